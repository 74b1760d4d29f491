// The guest's orders (orders.html, role=custom: pay, cancel, review) and
// the landlord's orders (lorders.html, role=landlord: accept, reject).
import { get, post, put, ERR } from './api.js';
import { $, el, img, thumb, yuan, statusLabel, busy, showMsg, pageError, clearFormErrors, fieldError, formError } from './ui.js';

let role = 'custom';
let timers = []; // the pay-window countdowns of the cards shown

/** m:ss of a number of seconds. */
const clock = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;

/**
 * The payment block of a guest's WAIT_PAYMENT order (API.md §6): the
 * amount, the time left to pay (counting down) and the 去支付 button, which
 * goes to the provider's cashier page.
 */
function payBlock(o, msg) {
  const left = el('span', { class: 'countdown', dataset: { countdown: '' } }, '剩余支付时间 …');
  const pay = el('button', { type: 'button' }, '去支付');
  const box = el('div', { class: 'pay-box' },
    el('p', {}, el('span', {}, '应付金额：'), el('strong', { class: 'price' }, `¥${yuan(o.amount)}`), ' ', left),
    el('div', { class: 'actions' }, pay));
  get(`/orders/${o.order_id}/payment`).then((env) => {
    if (env.errno !== ERR.OK) return;
    const until = Date.now() + env.data.seconds_left * 1000;
    const tick = () => {
      const s = Math.max(0, Math.round((until - Date.now()) / 1000));
      left.textContent = s > 0 ? `剩余支付时间 ${clock(s)}` : '支付已超时';
      pay.disabled = s === 0;
      return s;
    };
    if (tick() > 0) {
      const id = setInterval(() => { if (tick() === 0) clearInterval(id); }, 1000);
      timers.push(id);
    }
  });
  pay.addEventListener('click', () => busy(pay, async () => {
    showMsg(msg, '');
    const res = await post(`/orders/${o.order_id}/payment`);
    if (res.errno === ERR.OK) location.assign(res.data.pay_url);
    else if (res.errno !== ERR.SESSIONERR) showMsg(msg, res.errmsg);
  }, '正在前往收银台…'));
  return box;
}

/** A small form inside an order card; onSubmit gets the form and returns an envelope. */
function actionForm({ label, name, input, submitText, onSubmit, extraButtons = [] }) {
  const id = `${name}-${Math.random().toString(36).slice(2, 8)}`;
  const field = input === 'textarea'
    ? el('textarea', { id, name, maxlength: 500, required: true, rows: 3 })
    : el('input', { id, name, type: 'text', maxlength: 200, required: true });
  const form = el('form', { class: 'action-form', novalidate: true },
    el('div', { class: 'field' },
      el('label', { for: id }, label),
      field,
      el('div', { class: 'field-error', dataset: { errorFor: name } })),
    el('p', { class: 'msg error', role: 'alert', dataset: { formError: '' } }),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, submitText), ...extraButtons));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const value = field.value.trim();
    if (!value) return fieldError(form, name, `请填写${label}`);
    const btn = form.querySelector('button[type=submit]');
    await busy(btn, async () => {
      const res = await onSubmit(value);
      if (res.errno === ERR.OK) await load();
      else if (res.errno !== ERR.SESSIONERR) formError(form, res);
    }, '提交中…');
  });
  return form;
}

function opsFor(o) {
  const ops = el('div', { class: 'ops' });
  const msg = el('p', { class: 'msg error', role: 'alert' });
  const act = async (btn, body, busyText) => busy(btn, async () => {
    showMsg(msg, '');
    const res = await put('/orders', body);
    if (res.errno === ERR.OK) await load();
    else if (res.errno !== ERR.SESSIONERR) showMsg(msg, res.errmsg);
  }, busyText);

  if (role === 'custom' && ['WAIT_ACCEPT', 'WAIT_PAYMENT', 'PAID'].includes(o.status)) {
    const question = el('span', { class: 'small' }, '确定要取消这个订单吗？');
    const confirmBox = el('div', { class: 'actions', hidden: true }, question);
    const yes = el('button', { type: 'button', class: 'danger' }, '确定取消');
    const no = el('button', { type: 'button', class: 'secondary' }, '再想想');
    confirmBox.append(yes, no);
    const cancel = el('button', { type: 'button', class: 'secondary' }, '取消订单');
    cancel.addEventListener('click', async () => {
      if (o.status === 'PAID') { // paid: say what the house's cancellation policy refunds
        const env = await get(`/orders/${o.order_id}/payment`);
        if (env.errno === ERR.OK) {
          question.textContent = env.data.cancel_refund > 0
            ? `确定取消吗？按房源的取消政策将退款 ¥${yuan(env.data.cancel_refund)}。`
            : '确定取消吗？按房源的取消政策，现在取消将不退款。';
        }
      }
      cancel.hidden = true;
      confirmBox.hidden = false;
    });
    no.addEventListener('click', () => { cancel.hidden = false; confirmBox.hidden = true; });
    yes.addEventListener('click', () => act(yes, { action: 'cancel', order_id: o.order_id }, '取消中…'));
    if (o.status === 'WAIT_PAYMENT') ops.append(payBlock(o, msg));
    ops.append(el('div', { class: 'actions' }, cancel), confirmBox, msg);
  } else if (role === 'custom' && o.status === 'WAIT_COMMENT') {
    ops.append(actionForm({
      label: '评价这次入住', name: 'comment', input: 'textarea', submitText: '发表评价',
      onSubmit: (comment) => put('/orders/comment', { order_id: o.order_id, comment }),
    }));
  } else if (role === 'landlord' && o.status === 'WAIT_ACCEPT') {
    const accept = el('button', { type: 'button' }, '接单');
    const reject = el('button', { type: 'button', class: 'secondary' }, '拒单');
    const buttons = el('div', { class: 'actions' }, accept, reject);
    const back = el('button', { type: 'button', class: 'secondary' }, '返回');
    const rejectForm = actionForm({
      label: '拒单原因', name: 'reason', input: 'text', submitText: '确认拒单', extraButtons: [back],
      onSubmit: (reason) => put('/orders', { action: 'reject', order_id: o.order_id, reason }),
    });
    rejectForm.hidden = true;
    accept.addEventListener('click', () => act(accept, { action: 'accept', order_id: o.order_id }, '接单中…'));
    reject.addEventListener('click', () => {
      showMsg(msg, '');
      buttons.hidden = true;
      rejectForm.hidden = false;
      rejectForm.querySelector('input').focus();
    });
    back.addEventListener('click', () => { buttons.hidden = false; rejectForm.hidden = true; });
    ops.append(buttons, rejectForm, msg);
  }
  return ops.childNodes.length ? ops : null;
}

function commentLine(o) {
  if (!o.comment) return null;
  const label = o.status === 'REJECTED' ? '拒单原因' : o.status === 'CANCELED' ? '取消原因'
    : role === 'custom' ? '我的评价' : '房客评价';
  return el('div', {}, el('dt', {}, `${label}：`), el('dd', {}, o.comment));
}

function item(o) {
  return el('li', { class: 'card order', id: `order-${o.order_id}`, dataset: { orderId: o.order_id, status: o.status } },
    img(thumb(o.img_url, '320x200'), `${o.title}的图片`, 'pic'),
    el('div', {},
      el('h3', {}, el('span', {}, o.title), el('span', { class: `status ${o.status}` }, statusLabel(o.status))),
      el('dl', {},
        el('div', {}, el('dt', {}, '订单编号：'), el('dd', {}, String(o.order_id))),
        el('div', {}, el('dt', {}, '下单时间：'), el('dd', {}, o.ctime)),
        el('div', {}, el('dt', {}, '入住日期：'), el('dd', {}, `${o.start_date} 至 ${o.end_date}（共${o.days}天）`)),
        el('div', {}, el('dt', {}, '订单金额：'), el('dd', { class: 'price' }, `¥${yuan(o.amount)}`)),
        o.refund > 0 ? el('div', { class: 'refund' }, el('dt', {}, '退款金额：'),
          el('dd', { class: 'price' }, `¥${yuan(o.refund)}（原路退回）`)) : null,
        commentLine(o))),
    opsFor(o));
}

async function load() {
  timers.forEach(clearInterval);
  timers = [];
  const env = await get(`/orders?role=${role}`);
  if (env.errno === ERR.SESSIONERR) return;
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    pageError(env.errmsg);
    return;
  }
  const orders = env.data.orders || [];
  $('#orders').replaceChildren(...orders.map(item));
  const empty = $('#empty');
  empty.hidden = orders.length > 0;
  if (!orders.length) {
    empty.replaceChildren(...(role === 'custom'
      ? [el('strong', {}, '您还没有订单'), el('a', { href: 'search.html' }, '去找房 ›')]
      : [el('strong', {}, '还没有房客预订您的房源'), el('a', { href: 'myhouse.html' }, '查看我的房源 ›')]));
  }
}

export function showOrders(r) {
  role = r;
  return load();
}
