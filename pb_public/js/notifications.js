// notifications.html: my notifications, newest first (API.md §8.3), a
// page at a time; each links to its order in the list where I act on it
// (the landlord's for a new booking or a payment, the guest's otherwise).
// Following a link, or "全部已读", marks notifications read.
import { get, put, ERR } from './api.js';
import { $, el, busy, showMsg, pageError } from './ui.js';

const KIND_LABELS = {
  order_new: '新订单',
  order_accepted: '已接单',
  order_rejected: '已拒单',
  order_canceled: '已取消',
  order_expired: '已过期',
  pay_expired: '支付超时',
  refunded: '已退款',
  paid: '已付款',
};
const LANDLORD_KINDS = new Set(['order_new', 'paid']);

let page = 0;
let totalPage = 0;

function orderLink(n) {
  if (!n.order_id) return null;
  const list = LANDLORD_KINDS.has(n.kind) ? 'lorders.html' : 'orders.html';
  return `${list}#order-${n.order_id}`;
}

/** Tells the header's bell the new count. */
function announce(unread) {
  document.dispatchEvent(new CustomEvent('ihome:notifications', { detail: { unread } }));
}

async function markRead(body) {
  const env = await put('/notifications/read', body);
  if (env.errno === ERR.OK) announce(env.data.unread);
  return env;
}

function item(n) {
  const href = orderLink(n);
  const li = el('li', { class: `card note${n.read ? '' : ' unread'}`, dataset: { id: n.id, kind: n.kind } },
    el('div', { class: 'note-head' },
      el('span', { class: `kind ${n.kind}` }, KIND_LABELS[n.kind] || n.kind),
      n.read ? null : el('span', { class: 'dot', 'aria-label': '未读' }),
      el('time', { class: 'muted small' }, n.ctime)),
    el('p', { class: 'note-text' }, n.text),
    href ? el('a', { class: 'note-link', href }, '查看订单 ›') : null);
  const link = li.querySelector('a.note-link');
  if (link && !n.read) {
    link.addEventListener('click', async (ev) => {
      ev.preventDefault();
      await markRead({ ids: [n.id] });
      location.assign(href);
    });
  }
  return li;
}

async function load(next) {
  const env = await get(`/notifications?p=${next}`);
  if (env.errno === ERR.SESSIONERR) return;
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    pageError(env.errmsg);
    return;
  }
  const d = env.data;
  page = next;
  totalPage = d.total_page;
  const items = d.notifications.map(item);
  if (next === 1) $('#notes').replaceChildren(...items);
  else $('#notes').append(...items);
  $('#empty').hidden = page > 1 || items.length > 0;
  $('#more').hidden = page >= totalPage;
  $('#read-all').hidden = d.unread === 0;
  announce(d.unread);
}

const more = $('#more');
more.addEventListener('click', () => busy(more, () => load(page + 1), '加载中…'));
const readAll = $('#read-all');
readAll.addEventListener('click', () => busy(readAll, async () => {
  showMsg($('#read-error'), '');
  const env = await markRead({ all: true });
  if (env.errno !== ERR.OK) {
    if (env.errno !== ERR.SESSIONERR) showMsg($('#read-error'), env.errmsg);
    return;
  }
  for (const li of document.querySelectorAll('#notes .note.unread')) {
    li.classList.remove('unread');
    li.querySelector('.dot')?.remove();
  }
  readAll.hidden = true;
}, '处理中…'));

load(1);
