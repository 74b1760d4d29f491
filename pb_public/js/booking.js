import { get, post, ERR } from './api.js';
import {
  $, yuan, thumb, idParam, today, stayDays, validDate, busy, showMsg, formError, fieldError, clearFormErrors, pageError,
} from './ui.js';
import { dayLabel, datesLabel } from './month.js';

const form = $('#book-form');
let house = null;
let quoted = ''; // the stay whose total is shown or being fetched
let quoteSeq = 0;

/**
 * Days and total of the chosen stay: the sum of its nights' prices from
 * the house calendar (API.md §7.1, §7.3), and which chosen days are taken.
 * The server decides at booking; this is what the guest sees before.
 */
async function update() {
  const { start_date: s, end_date: e } = form;
  if (validDate(s.value)) e.min = s.value;
  const days = stayDays(s.value, e.value);
  $('#days').textContent = days ? `${days} 天` : '—';
  const key = days && house ? `${s.value}/${e.value}` : '';
  if (key === quoted) return;
  quoted = key;
  showMsg(form.querySelector('[data-form-error]'), ''); // an answer about other dates
  const my = ++quoteSeq;
  const amount = $('#amount');
  const nights = $('#nights');
  const taken = $('#taken');
  if (!key) {
    amount.textContent = '—';
    nights.textContent = '';
    showMsg(taken, '');
    return;
  }
  amount.textContent = '计算中…';
  const env = await get(`/houses/${house.hid}/calendar?from=${s.value}&to=${e.value}`, { auth: false });
  if (my !== quoteSeq) return; // the dates changed meanwhile
  if (env.errno !== ERR.OK) {
    quoted = ''; // ask again on the next change
    amount.textContent = '—';
    nights.textContent = '';
    showMsg(taken, `无法计算总额：${env.errmsg}`);
    return;
  }
  const list = env.data.days || [];
  amount.textContent = `¥${yuan(list.reduce((sum, d) => sum + d.price, 0))}`;
  const special = list.filter((d) => d.price !== house.price);
  const rest = special.length < list.length ? `，其余每晚 ¥${yuan(house.price)}` : '';
  if (!special.length) nights.textContent = '';
  else if (special.length <= 4) nights.textContent = `其中 ${special.map((d) => `${dayLabel(d.date)} ¥${yuan(d.price)}`).join('、')}${rest}`;
  else nights.textContent = `其中 ${special.length} 天为特别价格${rest}`;
  const off = list.filter((d) => !d.available).map((d) => d.date);
  showMsg(taken, off.length ? `${datesLabel(off)}不可订，请选择其他日期` : '');
}

async function init() {
  const hid = idParam('hid');
  $('#back').href = hid ? `detail.html?id=${hid}` : './';
  if (!hid) {
    $('#loading').hidden = true;
    pageError('房屋编号有误');
    return;
  }
  // Booking needs a login: find out before the guest fills the form.
  const me = await get('/session');
  if (me.errno !== ERR.OK) return; // redirected to the login page
  const env = await get(`/houses/${hid}`);
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    pageError(env.errmsg);
    return;
  }
  house = env.data.house;
  $('#title').textContent = house.title;
  $('#price').textContent = `¥${yuan(house.price)} /晚`;
  $('#limits').textContent = `最少入住 ${house.min_days} 天` + (house.max_days ? `，最多 ${house.max_days} 天` : '');
  const pic = $('#pic');
  if (house.img_urls && house.img_urls[0]) pic.src = thumb(house.img_urls[0], '320x200');
  pic.alt = `${house.title}的图片`;
  $('#house').hidden = false;
  if (env.data.user_id === house.user_id) {
    pageError('这是您自己发布的房源，不能预订');
    return;
  }
  form.hidden = false;

  const t = today();
  form.start_date.min = t;
  form.end_date.min = t;
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const s = form.start_date.value;
    const e = form.end_date.value;
    if (!validDate(s)) return fieldError(form, 'start_date', '请选择入住日期');
    if (s < today()) return fieldError(form, 'start_date', '入住日期不能早于今天');
    if (!validDate(e)) return fieldError(form, 'end_date', '请选择离开日期');
    if (e < s) return fieldError(form, 'end_date', '离开日期不能早于入住日期');
    const btn = form.querySelector('button[type=submit]');
    await busy(btn, async () => {
      const res = await post('/orders', { house_id: house.hid, start_date: s, end_date: e });
      if (res.errno === ERR.OK) {
        btn.dataset.keepDisabled = '1';
        location.assign('orders.html');
        return;
      }
      if (res.errno === ERR.SESSIONERR) return;
      if (res.errno === ERR.DATAERR) {
        quoted = ''; // days may have been taken meanwhile: show which
        await update();
      }
      formError(form, res);
    }, '提交中…');
  });
}

init();
