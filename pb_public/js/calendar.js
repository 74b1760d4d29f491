// The landlord's calendar of one house (calendar.html?id=N, API.md §7):
// select days on the month view, then block or unblock them or set or
// clear their nightly price (PUT /houses/{id}/calendar); the export URL
// with copy and rotate; the imported calendars with their sync errors.
import { get, post, put, del, ERR } from './api.js';
import {
  $, el, yuan, idParam, stayDays, busy, showMsg, formError, fieldError, clearFormErrors, pageError,
} from './ui.js';
import { monthView, dayLabel, datesLabel } from './month.js';

const YUAN = /^(0|[1-9]\d{0,8})(\.\d{1,2})?$/; // as the publish form (API.md §3.3)
const MAX_YUAN = 1000000;

const houseId = idParam('id');
const dayForm = $('#day-form');
const importForm = $('#import-form');
const dayButtons = ['#block', '#unblock', '#clear', '#set-price', '#reset-price'].map((s) => $(s));
let house = null;
let month = null;

function rangeText(sel) {
  return sel.start === sel.end ? dayLabel(sel.start) : `${dayLabel(sel.start)}至${dayLabel(sel.end)}`;
}

function onSelect(sel) {
  for (const b of dayButtons) b.disabled = !sel;
  const box = $('#selection');
  if (!sel) {
    box.textContent = '尚未选择日期';
    return;
  }
  box.textContent = `已选 ${rangeText(sel)}，共 ${stayDays(sel.start, sel.end)} 天` + (sel.done ? '' : '（再点一天作为结束日期）');
}

/** After unblocking, days an order or an imported calendar holds stay taken: say which. */
async function stillTaken(sel) {
  const env = await get(`/houses/${houseId}/calendar?from=${sel.start}&to=${sel.end}`, { auth: false });
  if (env.errno !== ERR.OK) return showMsg(dayForm.querySelector('[data-form-error]'), `日历刷新失败：${env.errmsg}`);
  const off = (env.data.days || []).filter((d) => !d.available).map((d) => d.date);
  if (off.length) {
    showMsg(dayForm.querySelector('[data-form-error]'), `${datesLabel(off)}仍不可订：这些日子已有订单或被导入的日历占用`);
  }
}

/** PUT the selection with body; done(sel) is the success message. */
async function change(button, body, done) {
  const sel = month.selection;
  clearFormErrors(dayForm);
  showMsg($('#day-ok'), '');
  if (!sel) return showMsg(dayForm.querySelector('[data-form-error]'), '请先在日历上选择日期');
  await busy(button, async () => {
    const res = await put(`/houses/${houseId}/calendar`, { start_date: sel.start, end_date: sel.end, ...body });
    if (res.errno === ERR.OK) {
      month.settle(); // a click after an action starts a new selection
      showMsg($('#day-ok'), done(sel), 'ok');
      await month.reload();
      if (body.blocked === false) await stillTaken(sel);
    } else if (res.errno !== ERR.SESSIONERR) {
      formError(dayForm, res);
    }
  }, '保存中…');
}

function bindDays() {
  $('#block').addEventListener('click', (ev) => change(ev.currentTarget, { blocked: true },
    (sel) => `已将 ${rangeText(sel)} 设为不可订`));
  $('#unblock').addEventListener('click', (ev) => change(ev.currentTarget, { blocked: false },
    (sel) => `已将 ${rangeText(sel)} 设为可订`));
  $('#reset-price').addEventListener('click', (ev) => change(ev.currentTarget, { price: null },
    (sel) => `已将 ${rangeText(sel)} 恢复原价 ¥${yuan(house.price)}`));
  $('#clear').addEventListener('click', () => {
    clearFormErrors(dayForm);
    showMsg($('#day-ok'), '');
    month.clear();
  });
  dayForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const price = dayForm.price.value.trim();
    if (!YUAN.test(price) || Number(price) <= 0 || Number(price) > MAX_YUAN) {
      return fieldError(dayForm, 'price', '价格应为大于 0 的金额（最多两位小数，不超过 1000000 元）');
    }
    return change($('#set-price'), { price }, (sel) => `已将 ${rangeText(sel)} 的价格设为每晚 ¥${price}`);
  });
}

function bindExport() {
  const input = $('#export-url');
  const msg = $('#export-msg');
  $('#copy').addEventListener('click', async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(input.value);
      ok = true;
    } catch {
      // No clipboard API (plain http on another host): the old way.
      input.select();
      try { ok = document.execCommand('copy'); } catch { ok = false; }
    }
    showMsg(msg, ok ? '已复制导出链接' : '无法自动复制，请选中链接后手动复制', ok ? 'ok' : 'error');
  });
  const ask = $('#rotate-ask');
  const confirmBox = $('#rotate-confirm');
  $('#rotate').addEventListener('click', () => {
    showMsg(msg, '');
    ask.hidden = true;
    confirmBox.hidden = false;
  });
  $('#rotate-no').addEventListener('click', () => {
    ask.hidden = false;
    confirmBox.hidden = true;
  });
  $('#rotate-yes').addEventListener('click', (ev) => busy(ev.currentTarget, async () => {
    const res = await post(`/houses/${houseId}/calendar/feeds/token`);
    if (res.errno === ERR.OK) {
      input.value = res.data.export_url;
      ask.hidden = false;
      confirmBox.hidden = true;
      showMsg(msg, '已生成新链接，旧链接已失效，请到其他平台更新', 'ok');
    } else if (res.errno !== ERR.SESSIONERR) {
      showMsg(msg, res.errmsg);
    }
  }, '生成中…'));
}

function importItem(f) {
  const msg = el('p', { class: 'msg error', role: 'alert' });
  const remove = el('button', { type: 'button', class: 'secondary' }, '删除');
  const yes = el('button', { type: 'button', class: 'danger' }, '确定删除');
  const no = el('button', { type: 'button', class: 'secondary' }, '取消');
  const ask = el('div', { class: 'actions' }, remove);
  const confirmBox = el('div', { class: 'actions', hidden: true },
    el('span', { class: 'small' }, '删除后，这个日历导入的不可订日期也会移除。'), yes, no);
  remove.addEventListener('click', () => { ask.hidden = true; confirmBox.hidden = false; });
  no.addEventListener('click', () => { ask.hidden = false; confirmBox.hidden = true; });
  yes.addEventListener('click', () => busy(yes, async () => {
    showMsg(msg, '');
    const res = await del(`/houses/${houseId}/calendar/feeds`, { id: f.id });
    if (res.errno === ERR.OK) {
      showMsg($('#import-ok'), '已删除导入的日历', 'ok');
      await Promise.all([loadImports(), month.reload()]);
    } else if (res.errno !== ERR.SESSIONERR) {
      showMsg(msg, res.errmsg);
    }
  }, '删除中…'));
  return el('li', { class: 'import', dataset: { id: f.id } },
    el('div', { class: 'url' }, f.url),
    el('p', { class: 'small muted' }, f.last_sync ? `上次同步：${f.last_sync}` : '尚未同步成功'),
    f.last_error ? el('p', { class: 'msg error' }, `同步失败：${f.last_error}`) : null,
    f.conflicts && f.conflicts.length
      ? el('p', { class: 'msg error' }, `与已有订单冲突（仍为不可订，请在对方平台处理）：${f.conflicts.map(
        (c) => (c.start_date === c.end_date ? c.start_date : `${c.start_date} 至 ${c.end_date}`)).join('、')}`)
      : null,
    ask, confirmBox, msg);
}

function showImports(list) {
  $('#imports').replaceChildren(...(list.length
    ? list.map(importItem)
    : [el('li', { class: 'muted small' }, '还没有导入的日历')]));
}

async function loadImports() {
  const env = await get(`/houses/${houseId}/calendar/feeds`);
  if (env.errno === ERR.OK) showImports(env.data.imports || []);
  else if (env.errno !== ERR.SESSIONERR) showMsg(importForm.querySelector('[data-form-error]'), `导入列表加载失败：${env.errmsg}`);
}

function bindImports() {
  importForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(importForm);
    showMsg($('#import-ok'), '');
    const url = importForm.url.value.trim();
    if (!/^https?:\/\/[^\s/]+\S*$/i.test(url)) {
      return fieldError(importForm, 'url', '请输入以 http:// 或 https:// 开头的日历链接');
    }
    await busy(importForm.querySelector('button[type=submit]'), async () => {
      const res = await post(`/houses/${houseId}/calendar/feeds`, { url });
      if (res.errno === ERR.OK) {
        importForm.url.value = '';
        if (res.data && res.data.last_error) {
          showMsg(importForm.querySelector('[data-form-error]'), `已添加，但首次同步失败：${res.data.last_error}`);
        } else {
          showMsg($('#import-ok'), '已添加并同步', 'ok');
        }
        await Promise.all([loadImports(), month.reload()]);
      } else if (res.errno !== ERR.SESSIONERR) {
        formError(importForm, res);
      }
    }, '添加中…');
  });
}

async function init() {
  if (!houseId) {
    $('#loading').hidden = true;
    pageError('房屋编号有误');
    return;
  }
  // Feeds first: it needs a login (4101 goes to the login page) and the owner (4105).
  const feeds = await get(`/houses/${houseId}/calendar/feeds`);
  if (feeds.errno === ERR.SESSIONERR) return;
  const env = await get(`/houses/${houseId}`);
  $('#loading').hidden = true;
  if (feeds.errno !== ERR.OK || env.errno !== ERR.OK) {
    pageError(feeds.errno !== ERR.OK ? feeds.errmsg : env.errmsg);
    return;
  }
  house = env.data.house;
  document.title = `${house.title} - 房态日历`;
  $('#title').textContent = house.title;
  $('#base-price').textContent = `¥${yuan(house.price)}`;
  $('#view').href = `detail.html?id=${house.hid}`;
  $('#export-url').value = feeds.data.export_url;
  showImports(feeds.data.imports || []);
  $('#content').hidden = false;
  month = monthView($('#month'), { houseId, basePrice: house.price, selectable: true, onSelect });
  bindDays();
  bindExport();
  bindImports();
}

init();
