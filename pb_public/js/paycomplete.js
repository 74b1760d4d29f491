// Back from the cashier (API.md §6.3): the provider's signed return
// parameters go to PUT /orders/payment, which confirms the payment with
// the provider before the order shows PAID.
import { put, ERR } from './api.js';
import { $, busy, showMsg } from './ui.js';

const fields = Object.fromEntries(new URLSearchParams(location.search));

async function confirm() {
  showMsg($('#error'), '');
  const env = await put('/orders/payment', fields);
  if (env.errno === ERR.OK) {
    $('#result').textContent = '支付成功';
    $('#detail').textContent = `订单 ${env.data.order_id} 已支付，房东会看到您的付款。`;
    $('#retry').hidden = true;
    return;
  }
  if (env.errno === ERR.SESSIONERR) return;
  $('#result').textContent = '尚未确认支付';
  showMsg($('#error'), env.errmsg);
  $('#retry').hidden = false;
}

$('#retry').addEventListener('click', () => busy($('#retry'), confirm, '确认中…'));
if (fields.out_trade_no) confirm();
else {
  $('#result').textContent = '没有支付信息';
  $('#detail').textContent = '请从订单页面发起支付。';
}
