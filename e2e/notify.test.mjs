// Browser journey of the notifications (API.md §8): a guest books, the
// landlord sees the unread badge in the header, opens the notification,
// goes to the order and accepts it; the guest then reads "已接单". With
// the default log provider the text messages land in sms_outbox at once,
// at any hour (the log provider ignores quiet hours).
import assert from 'node:assert/strict';

import { journeySuite } from './lib/suite.mjs';
import { todayCN, addDays, idCard } from './lib/data.mjs';

const PASSWORD = 'notify-pass-1';
const LANDLORD = '13800000601';
const GUEST = '13800000602';
const TITLE = '鼓楼旁的安静小院';
const STAY = { start: addDays(todayCN(), 15), end: addDays(todayCN(), 17) };

let houseId = '';

const suite = journeySuite('notify', { timeout: 90000, setup: staffMakeAccountsAndHouse });
const { actor, journey } = suite;

/** Creates a record through the superuser record API, as staff would. */
async function create(collection, body) {
  const res = await fetch(`${suite.server.base}/api/collections/${collection}/records`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: suite.admin.token },
    body: JSON.stringify(body),
  });
  const rec = await res.json();
  if (!res.ok) throw new Error(`create ${collection}: ${res.status} ${JSON.stringify(rec)}`);
  return rec;
}

/** The landlord, the guest and the house, made by staff in the record API. */
async function staffMakeAccountsAndHouse() {
  const user = (mobile, extra = {}) => create('users', {
    mobile, name: `用户${mobile.slice(-4)}`, password: PASSWORD, passwordConfirm: PASSWORD, ...extra,
  });
  const landlord = await user(LANDLORD, { real_name: '李房东', id_card: idCard('11010119800101006') });
  await user(GUEST);
  const house = await create('houses', {
    owner: landlord.id, area: '2', title: TITLE, price: 25800, address: '鼓楼东大街8号', room_count: 1,
    acreage: 40, unit: '一室一厅', capacity: 2, beds: '双人床', deposit: 0, min_days: 1, max_days: 0,
  });
  houseId = house.id;
}

async function login(a, mobile) {
  const { page } = a;
  await page.goto('/login.html');
  await page.getByLabel('手机号').fill(mobile);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname !== '/login.html');
}

/** The unread badge of the header's bell, once it shows n (null: hidden). */
async function badge(page, n) {
  const b = page.locator('#notify-badge');
  if (n === null) {
    await page.locator('#notify-bell').waitFor({ state: 'visible' });
    await b.waitFor({ state: 'hidden' });
    return;
  }
  await b.waitFor({ state: 'visible' });
  assert.equal((await b.innerText()).trim(), String(n));
}

journey('the landlord sees the badge after a guest books; the guest reads 已接单 after the acceptance', async () => {
  const landlord = await actor('landlord');
  const guest = await actor('guest');
  await login(landlord, LANDLORD);
  await badge(landlord.page, null); // logged in, nothing unread yet
  await login(guest, GUEST);

  // the guest books
  await guest.page.goto(`/booking.html?hid=${houseId}`);
  await guest.page.getByLabel('入住日期').fill(STAY.start);
  await guest.page.getByLabel('离开日期').fill(STAY.end);
  await guest.page.getByRole('button', { name: '提交订单' }).click();
  await guest.page.waitForURL(/\/orders\.html$/);

  // the landlord's header shows one unread notification, on any page
  const lp = landlord.page;
  await lp.goto('/my.html');
  await badge(lp, 1);
  assert.equal(await lp.locator('#notify-bell').getAttribute('aria-label'), '消息通知，1条未读');
  await landlord.shot('badge-after-booking');
  await lp.locator('#notify-bell').click();
  await lp.waitForURL(/\/notifications\.html$/);
  const note = lp.locator('li.note').first();
  await note.waitFor();
  assert.match(await note.innerText(), /新订单/);
  assert.match(await note.innerText(), new RegExp(`${TITLE}.*${STAY.start} 至 ${STAY.end}`));
  assert.equal(await note.evaluate((li) => li.classList.contains('unread')), true);
  await landlord.shot('notifications-landlord');

  // its link leads to the order, and reading it clears the badge
  await note.getByRole('link', { name: '查看订单 ›' }).click();
  await lp.waitForURL(/\/lorders\.html#order-\d+$/);
  const orderId = new URL(lp.url()).hash.slice('#order-'.length);
  const order = lp.locator(`li#order-${orderId}`);
  await order.waitFor();
  await badge(lp, null);
  await order.getByRole('button', { name: '接单' }).click();
  await order.getByText('待评价').waitFor();
  await landlord.shot('order-accepted');

  // the guest is told
  const gp = guest.page;
  await gp.goto('/orders.html');
  await badge(gp, 1);
  await gp.locator('#notify-bell').click();
  await gp.waitForURL(/\/notifications\.html$/);
  const told = gp.locator('li.note').first();
  await told.getByText('已接单', { exact: true }).waitFor();
  assert.match(await told.innerText(), /房东已接单/);
  await guest.shot('notifications-guest');
  await gp.getByRole('button', { name: '全部已读' }).click();
  // (by id: while it works the button is labelled 处理中…)
  await gp.locator('#read-all').waitFor({ state: 'hidden' });
  assert.equal(await gp.locator('li.note.unread').count(), 0);
  await gp.goto('/orders.html');
  await badge(gp, null);

  // the text messages, with the log provider, are in sms_outbox
  const sms = await suite.admin.waitRecord('sms_outbox', `(mobile='${LANDLORD}')`);
  assert.match(sms.text, /新的预订申请/);
  assert.match((await suite.admin.waitRecord('sms_outbox', `(mobile='${GUEST}')`)).text, /房东已接受您的订单/);
});
