// The payment step (API.md §6) through the pages, on a server started
// with --payment fake: a guest books, the landlord accepts, the guest pays
// on the fake cashier page served by the binary, comes back to a PAID
// order the landlord sees paid, then cancels and sees the refund. The
// steps build on each other, so the tests of this file run in order.
import assert from 'node:assert/strict';

import { journeySuite } from './lib/suite.mjs';
import { Client } from './lib/api.mjs';
import { see, expectText } from './lib/expect.mjs';
import { todayCN, addDays, idCard } from './lib/data.mjs';

const PASSWORD = 'secret-pass-pay';
const LANDLORD = { mobile: '13800000131', realName: '赵支付', idCard: idCard('11010519870506003') };
const GUEST = { mobile: '13800000231' };
const HOUSE = {
  title: '后海支付测试小院', price: '388.8', area_id: 2, address: '后海北沿10号', room_count: 2, acreage: 70,
  unit: '两室一厅', capacity: 4, beds: '双人床两张', deposit: '0', min_days: 1, max_days: 30, facility: [],
  cancel_policy: 'moderate',
};
const today = todayCN();
const STAY = { start: addDays(today, 30), end: addDays(today, 31) }; // 2 nights: 777.60 yuan
const AMOUNT = '¥777.60';

let landlordApi;
let houseId = 0;
let orderId = 0;

const suite = journeySuite('pay', { server: { payment: 'fake' } });
const { actor, journey } = suite;

async function loginPage(a, mobile, next) {
  const { page } = a;
  await page.goto(`/login.html?next=${encodeURIComponent(next)}`);
  await page.getByLabel('手机号').fill(mobile);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
}

const card = (page) => page.locator('li.order').filter({ hasText: `${STAY.start} 至 ${STAY.end}` });

journey('1. a guest books a house with a moderate cancellation policy; the landlord accepts', async () => {
  landlordApi = await Client.register(suite.server.base, suite.admin, LANDLORD.mobile, PASSWORD);
  await landlordApi.ok('POST', '/user/auth', { real_name: LANDLORD.realName, id_card: LANDLORD.idCard });
  houseId = (await landlordApi.ok('POST', '/houses', HOUSE)).house_id;
  await Client.register(suite.server.base, suite.admin, GUEST.mobile, PASSWORD);

  const g = await actor('guest');
  await loginPage(g, GUEST.mobile, `/detail.html?id=${houseId}`);
  await see(g.page, HOUSE.title);
  await see(g.page, '适中：入住前 5 天及以前取消全额退款'); // the policy on the detail page
  await g.page.getByRole('link', { name: '即刻预定' }).click();
  await g.page.waitForURL(new RegExp(`/booking\\.html\\?hid=${houseId}$`));
  await g.page.getByLabel('入住日期').fill(STAY.start);
  await g.page.getByLabel('离开日期').fill(STAY.end);
  await expectText(g.page.locator('#amount'), '¥777.60');
  await g.page.getByRole('button', { name: '提交订单' }).click();
  await g.page.waitForURL(/\/orders\.html$/);
  await expectText(card(g.page), '待接单');
  orderId = Number(await card(g.page).getAttribute('data-order-id'));
  assert.ok(orderId > 0);

  const l = await actor('landlord');
  await loginPage(l, LANDLORD.mobile, '/lorders.html');
  await card(l.page).getByRole('button', { name: '接单' }).click();
  await expectText(card(l.page), '待支付');
});

journey('2. the guest pays on the fake cashier: the amount, the time left, then PAID', async () => {
  assert.ok(orderId, 'journey 1 made an order');
  const { page } = await actor('guest');
  await page.goto('/orders.html');
  const c = card(page);
  await expectText(c, '待支付');
  await expectText(c.locator('.pay-box'), `应付金额：${AMOUNT}`);
  await expectText(c.locator('[data-countdown]'), '剩余支付时间 29:');
  await (await actor('guest')).shot('orders-wait-payment');

  await c.getByRole('button', { name: '去支付' }).click();
  await page.waitForURL(/\/cashier\.html\?out_trade_no=/);
  await expectText(page.locator('#amount'), AMOUNT);
  await expectText(page.locator('#subject'), HOUSE.title);
  await expectText(page.locator('#left'), '分');
  await (await actor('guest')).shot('cashier');
  await page.getByRole('button', { name: '确认付款' }).click();

  await page.waitForURL(/\/paycomplete\.html\?/);
  await see(page, '支付成功');
  await see(page, `订单 ${orderId} 已支付`);
  await (await actor('guest')).shot('paycomplete');
  await page.getByRole('link', { name: '查看我的订单' }).click();
  await page.waitForURL(/\/orders\.html$/);
  await expectText(card(page), '已支付');
  assert.equal(await card(page).getByRole('button', { name: '去支付' }).count(), 0, 'no pay button once paid');

  // the server agrees, and staff see the payment
  const pay = await suite.admin.waitRecord('payments', `(status='PAID')`);
  assert.equal(pay.amount, 77760);
  assert.equal(pay.provider, 'fake');
  assert.ok(pay.trade_no);
});

journey('3. the landlord sees the order paid', async () => {
  const { page } = await actor('landlord');
  await page.goto('/lorders.html');
  await expectText(card(page), '已支付');
  assert.equal(await card(page).getByRole('button', { name: '接单' }).count(), 0);
  await (await actor('landlord')).shot('lorders-paid');
});

journey('4. the guest cancels the paid stay and sees the refund of the policy', async () => {
  const g = await actor('guest');
  const { page } = g;
  await page.goto('/orders.html');
  const c = card(page);
  await c.getByRole('button', { name: '取消订单' }).click();
  await expectText(c, `按房源的取消政策将退款 ${AMOUNT}`); // 30 days ahead: moderate refunds all
  await c.getByRole('button', { name: '确定取消' }).click();
  await expectText(c, '已取消');
  await expectText(c.locator('.refund'), `退款金额：${AMOUNT}（原路退回）`);
  await g.shot('orders-refunded');

  const pay = await suite.admin.waitRecord('payments', `(status='REFUNDED')`);
  assert.equal(pay.refund, 77760);
  const guestApi = new Client(suite.server.base);
  await guestApi.login(GUEST.mobile, PASSWORD);
  const { orders } = await guestApi.ok('GET', '/orders?role=custom');
  assert.equal(orders.find((o) => o.order_id === orderId).refund, 77760);
});
