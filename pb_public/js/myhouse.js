import { get, ERR } from './api.js';
import { $, el, houseCard, pageError } from './ui.js';

async function init() {
  const [auth, list] = await Promise.all([get('/user/auth'), get('/user/houses')]);
  if (auth.errno === ERR.SESSIONERR || list.errno === ERR.SESSIONERR) return;
  $('#loading').hidden = true;
  if (auth.errno !== ERR.OK) pageError(auth.errmsg);
  else if (auth.data.real_name && auth.data.id_card) $('#publish').hidden = false;
  else $('#need-auth').hidden = false;

  if (list.errno !== ERR.OK) {
    pageError(list.errmsg);
    return;
  }
  const houses = list.data.houses || [];
  $('#empty').hidden = houses.length > 0;
  $('#houses').replaceChildren(...houses.map((h) => houseCard(h, [
    el('p', { class: 'meta' }, `${h.area_name} · ${h.address}`),
    el('p', { class: 'meta' }, `${h.room_count}间出租 · 已预订${h.order_count}次 · 发布于 ${h.ctime}`),
    h.img_url ? null : el('p', { class: 'meta' }, el('a', { href: `newhouse.html?id=${h.house_id}` }, '还没有图片，去上传 ›')),
    el('p', { class: 'meta' }, el('a', { href: `calendar.html?id=${h.house_id}` }, '管理房态日历 ›')),
  ])));
}

init();
