// The fake cashier (--payment fake, API.md §6.5): shows the trade of
// ?out_trade_no=, and its pay button has the server sign and receive the
// notify Alipay would send, then follows the signed return URL.
import { get, post, ERR } from './api.js';
import { $, param, yuan, busy, showMsg } from './ui.js';

const otn = param('out_trade_no');
const STATUS = { TRADE_CLOSED: '交易已关闭', TRADE_SUCCESS: '交易已支付' };

async function show() {
  const env = await get(`/payments/fake/trade?out_trade_no=${encodeURIComponent(otn)}`, undefined, { auth: false });
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    showMsg($('#error'), env.errmsg);
    return;
  }
  const t = env.data;
  $('#subject').textContent = t.subject;
  $('#out-trade-no').textContent = t.out_trade_no;
  $('#amount').textContent = `¥${yuan(t.amount)}`;
  $('#trade').hidden = false;
  if (t.status !== 'WAIT_BUYER_PAY') {
    $('#left').textContent = STATUS[t.status] || t.status;
    return;
  }
  const until = Date.now() + t.seconds_left * 1000;
  const tick = () => {
    const s = Math.max(0, Math.round((until - Date.now()) / 1000));
    $('#left').textContent = s > 0 ? `${Math.floor(s / 60)}分${String(s % 60).padStart(2, '0')}秒` : '交易已超时关闭';
    $('#pay').disabled = s === 0;
    return s;
  };
  if (tick() > 0) {
    const id = setInterval(() => { if (tick() === 0) clearInterval(id); }, 1000);
  }
}

$('#pay').addEventListener('click', () => busy($('#pay'), async () => {
  showMsg($('#error'), '');
  const env = await post('/payments/fake/pay', { out_trade_no: otn }, { auth: false });
  if (env.errno === ERR.OK) location.assign(env.data.return_url);
  else showMsg($('#error'), env.errmsg);
}, '付款中…'));

show();
