import { get, post, areas, facilities, ERR } from './api.js';
import {
  $, el, idParam, busy, showMsg, formError, fieldError, clearFormErrors, fillAreas, pageError,
} from './ui.js';

const form = $('#house-form');
const imageForm = $('#image-form');
const YUAN = /^(0|[1-9]\d{0,8})(\.\d{1,2})?$/;
const MAX_IMAGE = 10 << 20;
let houseId = 0;
let uploaded = 0;

function intField(name, min, max, label) {
  const v = form[name].value.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || (max !== undefined && Number(v) > max)) {
    fieldError(form, name, `${label}应为 ${min}${max !== undefined ? `–${max}` : ' 以上'} 的整数`);
    return null;
  }
  return Number(v);
}

function readForm() {
  clearFormErrors(form);
  const text = (name, label) => {
    const v = form[name].value.trim();
    if (!v) { fieldError(form, name, `请填写${label}`); return null; }
    return v;
  };
  const body = {};
  if ((body.title = text('title', '房屋标题')) === null) return null;
  const price = form.price.value.trim();
  if (!YUAN.test(price) || Number(price) <= 0) return fieldError(form, 'price', '价格应为大于 0 的金额，最多两位小数'), null;
  body.price = price;
  const deposit = form.deposit.value.trim();
  if (!YUAN.test(deposit)) return fieldError(form, 'deposit', '押金应为金额，最多两位小数'), null;
  body.deposit = deposit;
  if (!form.area_id.value) return fieldError(form, 'area_id', '请选择区域'), null;
  body.area_id = Number(form.area_id.value);
  if ((body.address = text('address', '详细地址')) === null) return null;
  if ((body.room_count = intField('room_count', 1, 100, '出租房间数')) === null) return null;
  if ((body.acreage = intField('acreage', 1, 100000, '房屋面积')) === null) return null;
  if ((body.unit = text('unit', '户型描述')) === null) return null;
  if ((body.capacity = intField('capacity', 1, 100, '宜住人数')) === null) return null;
  if ((body.beds = text('beds', '卧床配置')) === null) return null;
  if ((body.min_days = intField('min_days', 1, 3650, '最少入住天数')) === null) return null;
  if ((body.max_days = intField('max_days', 0, 3650, '最多入住天数')) === null) return null;
  if (body.max_days && body.max_days < body.min_days) return fieldError(form, 'max_days', '最多入住天数不能少于最少入住天数（0 表示不限）'), null;
  body.facility = [...form.querySelectorAll('input[name=facility]:checked')].map((c) => Number(c.value));
  body.cancel_policy = form.cancel_policy.value;
  return body;
}

function showPicture(url, n) {
  $('#pictures').append(el('li', {},
    el('img', { src: url + '?thumb=320x200', alt: `已上传的第${n}张房屋图片` }),
    el('span', { class: 'tag' }, n === 1 ? `第${n}张（封面）` : `第${n}张`)));
}

function toImageStep(id, message) {
  houseId = id;
  form.hidden = true;
  $('#step1').classList.remove('on');
  $('#step2').classList.add('on');
  $('#images-step').hidden = false;
  $('#view-house').href = `detail.html?id=${id}`;
  showMsg($('#published'), message, 'ok');
  history.replaceState(null, '', `newhouse.html?id=${id}`);
  imageForm.house_image.focus();
}

async function uploadAll(ev) {
  ev.preventDefault();
  clearFormErrors(imageForm);
  const files = [...imageForm.house_image.files];
  if (!files.length) return fieldError(imageForm, 'house_image', '请先选择图片');
  const big = files.find((f) => f.size > MAX_IMAGE);
  if (big) return fieldError(imageForm, 'house_image', `图片“${big.name}”超过 10MB`);
  const progress = $('#upload-progress');
  await busy(imageForm.querySelector('button[type=submit]'), async () => {
    // One after another: the server keeps their order, the first is the cover.
    for (const [i, file] of files.entries()) {
      showMsg(progress, `正在上传第 ${i + 1}/${files.length} 张：${file.name}`, 'ok');
      const fd = new FormData();
      fd.append('house_image', file);
      const res = await post(`/houses/${houseId}/images`, fd);
      if (res.errno !== ERR.OK) {
        showMsg(progress, '');
        if (res.errno !== ERR.SESSIONERR) formError(imageForm, { errmsg: `“${file.name}”上传失败：${res.errmsg}` });
        return;
      }
      uploaded += 1;
      showPicture(res.data.url, uploaded);
    }
    showMsg(progress, `已上传 ${uploaded} 张图片`, 'ok');
    imageForm.reset();
  }, '上传中…');
}

async function init() {
  const [auth, areaList, facList] = await Promise.all([
    get('/user/auth'), areas().catch((e) => e), facilities().catch((e) => e),
  ]);
  if (auth.errno === ERR.SESSIONERR) return;
  $('#loading').hidden = true;
  if (auth.errno !== ERR.OK) return pageError(auth.errmsg);
  if (!(auth.data.real_name && auth.data.id_card)) {
    $('#need-auth').hidden = false;
    return;
  }
  $('#steps').hidden = false;
  imageForm.addEventListener('submit', uploadAll);

  // newhouse.html?id=N: add pictures to a house already published.
  const id = idParam('id');
  if (id) {
    const env = await get(`/houses/${id}`);
    if (env.errno !== ERR.OK) return pageError(env.errmsg);
    if (env.data.user_id !== env.data.house.user_id) return pageError('只有房东可以上传这套房屋的图片');
    for (const url of env.data.house.img_urls || []) showPicture(url, ++uploaded);
    toImageStep(id, `为“${env.data.house.title}”上传图片`);
    return;
  }

  if (areaList instanceof Error || facList instanceof Error) {
    return pageError('区域或设施加载失败，请刷新重试');
  }
  fillAreas(form.area_id, areaList, '', '请选择区域');
  $('#facilities').replaceChildren(...facList.map((f) => el('label', {},
    el('input', { type: 'checkbox', name: 'facility', value: f.fid }), f.fname)));
  form.hidden = false;

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = readForm();
    if (!body) return;
    const btn = form.querySelector('button[type=submit]');
    await busy(btn, async () => {
      const res = await post('/houses', body);
      if (res.errno === ERR.OK) {
        toImageStep(res.data.house_id, '房源已发布，请上传房屋图片（可上传多张）');
      } else if (res.errno !== ERR.SESSIONERR) {
        formError(form, res);
      }
    }, '发布中…');
  });
}

init();
