// The host calendar (API.md §7) through the pages: a landlord blocks three
// days and prices another on calendar.html; a guest sees them on the
// detail page's month view, cannot book the blocked days and pays the
// override in the total. The export feed is read back on the Node side
// with an independent iCal parser (ical.js). The steps build on each
// other, so the tests of this file run in order.
import assert from 'node:assert/strict';
import ICAL from 'ical.js';

import { journeySuite } from './lib/suite.mjs';
import { Client } from './lib/api.mjs';
import { see, expectText, expectAttr } from './lib/expect.mjs';
import { todayCN, addDays, idCard } from './lib/data.mjs';

const PASSWORD = 'secret-pass-cal';
const LANDLORD = { mobile: '13800000121', realName: '李春华', idCard: idCard('11010519850203002') };
const GUEST = { mobile: '13800000221', name: '房客小张' };
const HOUSE = {
  title: '国贸日历测试公寓', price: '300', area_id: 3, address: '建国路88号', room_count: 1, acreage: 45,
  unit: '一室一厅', capacity: 2, beds: '双人床一张', deposit: '0', min_days: 1, max_days: 30, facility: [],
};

// Dates: all in the month after next (always ahead, always one month), so
// the three blocked days, the priced day and the stays never straddle a
// month's end; one price is set across that month's end on purpose.
const today = todayCN();
const firstOf = (d) => d.slice(0, 8) + '01';
function shiftMonth(first, n) {
  const d = new Date(first + 'T00:00:00Z');
  d.setUTCMonth(d.getUTCMonth() + n, 1);
  return d.toISOString().slice(0, 10);
}
const THIS_MONTH = firstOf(today);
const MONTH = shiftMonth(THIS_MONTH, 2);
const NEXT_MONTH = shiftMonth(MONTH, 1);
const MONTH_END = addDays(NEXT_MONTH, -1);
const day = (n) => addDays(MONTH, n - 1);
const BLOCKED = [day(2), day(3), day(4)];
const PRICED = day(6); // 350.50 yuan instead of 300
const STAY = { start: day(5), end: day(7) }; // 300 + 350.50 + 300 = 950.50
const TAKEN_TRY = { start: day(3), end: day(5) }; // over two blocked days
const label = (d) => `${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日`;

let landlordApi;
let guestApi;
let houseId = 0;
let exportUrl = '';
let feedText = '';

const suite = journeySuite('cal');
const { actor, journey } = suite;

async function loginPage(a, mobile, next) {
  const { page } = a;
  await page.goto(`/login.html?next=${encodeURIComponent(next)}`);
  await page.getByLabel('手机号').fill(mobile);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
}

/** Pages the month view (#month) to the month starting first. */
async function gotoMonth(page, first) {
  const root = page.locator('#month');
  for (let i = 0; i < 24; i++) {
    await page.locator('#month[data-state="ready"], #month[data-state="error"]').waitFor();
    const at = await root.getAttribute('data-month');
    if (at === first) {
      assert.equal(await root.getAttribute('data-state'), 'ready', 'the month loaded');
      return;
    }
    await page.getByRole('button', { name: at < first ? '下个月' : '上个月' }).click();
    await page.locator(`#month:not([data-month="${at}"])`).waitFor();
  }
  assert.fail(`month ${first} not reached`);
}

const cell = (page, date) => page.locator(`#month li[data-date="${date}"]`);

/**
 * Fetches a feed URL: {status, type, text}. Only the path and query are
 * used, on this server: the URL's origin is checked on its own (journey 4).
 */
async function fetchFeed(url) {
  const u = new URL(url);
  const res = await fetch(suite.server.base + u.pathname + u.search);
  return { status: res.status, type: res.headers.get('content-type') || '', text: await res.text() };
}

journey('1. a verified landlord blocks three days and prices another on the calendar page', async () => {
  landlordApi = await Client.register(suite.server.base, suite.admin, LANDLORD.mobile, PASSWORD);
  await landlordApi.ok('POST', '/user/auth', { real_name: LANDLORD.realName, id_card: LANDLORD.idCard });
  houseId = (await landlordApi.ok('POST', '/houses', HOUSE)).house_id;
  assert.ok(houseId > 0);

  const a = await actor('landlord');
  const { page } = a;
  await a.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.server.base });
  await loginPage(a, LANDLORD.mobile, '/myhouse.html');
  const card = page.locator('#houses li').filter({ hasText: HOUSE.title });
  await card.getByRole('link', { name: '管理房态日历' }).click();
  await page.waitForURL(new RegExp(`/calendar\\.html\\?id=${houseId}$`));
  await see(page, HOUSE.title);
  await see(page, '房源原价 ¥300 /晚');

  // Today's month first; no going back before it.
  await expectAttr(page.locator('#month'), 'data-month', THIS_MONTH);
  assert.equal(await page.getByRole('button', { name: '上个月' }).isDisabled(), true);
  await gotoMonth(page, MONTH);
  for (const b of ['不可订', '可订', '设置价格', '恢复原价']) {
    assert.equal(await page.getByRole('button', { name: b, exact: true }).isDisabled(), true, `${b} waits for a selection`);
  }

  // Block: the first day, then the last.
  await cell(page, BLOCKED[0]).getByRole('button').click();
  await expectText(page.locator('#selection'), `已选 ${label(BLOCKED[0])}，共 1 天`);
  await cell(page, BLOCKED[2]).getByRole('button').click();
  await expectText(page.locator('#selection'), `已选 ${label(BLOCKED[0])}至${label(BLOCKED[2])}，共 3 天`);
  for (const d of BLOCKED) await expectAttr(cell(page, d).getByRole('button'), 'aria-pressed', 'true');
  await a.shot('calendar-selected');
  await page.getByRole('button', { name: '不可订', exact: true }).click();
  await see(page, `已将 ${label(BLOCKED[0])}至${label(BLOCKED[2])} 设为不可订`);
  for (const d of BLOCKED) {
    await expectAttr(cell(page, d), 'data-available', 'false');
    await expectText(cell(page, d), '不可订');
  }
  await expectAttr(cell(page, day(1)), 'data-available', 'true');
  await expectAttr(cell(page, day(5)), 'data-available', 'true');

  // A price on one day (a single click selects it). A bad amount is refused on the page.
  await cell(page, PRICED).getByRole('button').click();
  await expectText(page.locator('#selection'), `已选 ${label(PRICED)}，共 1 天`);
  await page.getByLabel('每晚价格（元）').fill('35.555');
  await page.getByRole('button', { name: '设置价格' }).click();
  await see(page, '价格应为大于 0 的金额');
  await page.getByLabel('每晚价格（元）').fill('350.5');
  await page.getByRole('button', { name: '设置价格' }).click();
  await see(page, `已将 ${label(PRICED)} 的价格设为每晚 ¥350.5`);
  await expectText(cell(page, PRICED), '¥350.50');
  await expectAttr(cell(page, PRICED), 'data-price', '35050');
  assert.match(await cell(page, PRICED).getAttribute('class'), /\bspecial\b/);
  await expectText(cell(page, day(5)), '¥300');
  await a.shot('calendar-blocked-priced');

  // A range across the month's end: start here, page on, end there; then back to the house price.
  await cell(page, MONTH_END).getByRole('button').click();
  await gotoMonth(page, NEXT_MONTH);
  await cell(page, NEXT_MONTH).getByRole('button').click();
  await expectText(page.locator('#selection'), `已选 ${label(MONTH_END)}至${label(NEXT_MONTH)}，共 2 天`);
  await page.getByLabel('每晚价格（元）').fill('400');
  await page.getByRole('button', { name: '设置价格' }).click();
  await see(page, '的价格设为每晚 ¥400');
  await expectAttr(cell(page, NEXT_MONTH), 'data-price', '40000');
  await gotoMonth(page, MONTH);
  await expectAttr(cell(page, MONTH_END), 'data-price', '40000');
  await expectAttr(cell(page, MONTH_END).getByRole('button'), 'aria-pressed', 'true'); // the selection stays
  await page.getByRole('button', { name: '恢复原价' }).click();
  await see(page, `已将 ${label(MONTH_END)}至${label(NEXT_MONTH)} 恢复原价 ¥300`);
  await expectAttr(cell(page, MONTH_END), 'data-price', '30000');
  const cal = await landlordApi.ok('GET', `/houses/${houseId}/calendar?from=${MONTH_END}&to=${NEXT_MONTH}`);
  assert.deepEqual(cal.days.map((d) => d.price), [30000, 30000], 'the override is cleared on both sides of the month end');
  await page.getByRole('button', { name: '清除选择' }).click();
  await expectText(page.locator('#selection'), '尚未选择日期');

  // The server agrees with the page.
  const month = await landlordApi.ok('GET', `/houses/${houseId}/calendar?from=${day(1)}&to=${day(7)}`);
  assert.deepEqual(month.days.map((d) => [d.date, d.available, d.price]), [
    [day(1), true, 30000], [day(2), false, 30000], [day(3), false, 30000], [day(4), false, 30000],
    [day(5), true, 30000], [day(6), true, 35050], [day(7), true, 30000],
  ]);
});

journey('2. a guest sees the days taken, cannot book them, and pays the override in the total', async () => {
  assert.ok(houseId, 'journey 1 published a house');
  guestApi = await Client.register(suite.server.base, suite.admin, GUEST.mobile, PASSWORD);
  await guestApi.ok('POST', '/user/name', { name: GUEST.name });
  const a = await actor('guest');
  const { page } = a;
  await loginPage(a, GUEST.mobile, `/detail.html?id=${houseId}`);

  // The detail page's month view: today's month first, then page on.
  await see(page, HOUSE.title);
  await expectAttr(page.locator('#month'), 'data-month', THIS_MONTH);
  await gotoMonth(page, MONTH);
  for (const d of BLOCKED) {
    await expectAttr(cell(page, d), 'data-available', 'false');
    await expectText(cell(page, d), '不可订');
    assert.equal(await cell(page, d).getAttribute('aria-label'), `${label(d)} 不可订 每晚¥300`);
  }
  await expectAttr(cell(page, day(5)), 'data-available', 'true');
  await expectText(cell(page, PRICED), '¥350.50');
  await expectText(cell(page, day(7)), '¥300');
  await cell(page, PRICED).scrollIntoViewIfNeeded();
  await a.shot('detail-month');

  // Booking over blocked days: the page says so before, and the server refuses.
  await page.getByRole('link', { name: '即刻预定' }).click();
  await page.waitForURL(new RegExp(`/booking\\.html\\?hid=${houseId}$`));
  await page.getByLabel('入住日期').fill(TAKEN_TRY.start);
  await page.getByLabel('离开日期').fill(TAKEN_TRY.end);
  await expectText(page.locator('#taken'), `${label(day(3))}至${label(day(4))}不可订`);
  await a.shot('booking-taken-days');
  await page.getByRole('button', { name: '提交订单' }).click();
  await see(page.locator('[data-form-error]'), '房屋已被预订');
  assert.match(page.url(), /\/booking\.html\?hid=\d+$/);
  const refused = await guestApi.call('POST', '/orders', { house_id: houseId, start_date: TAKEN_TRY.start, end_date: TAKEN_TRY.end });
  assert.equal(refused.errno, '4004', JSON.stringify(refused));

  // Over the priced day: the total is the sum of the nights.
  await page.getByLabel('入住日期').fill(STAY.start);
  await page.getByLabel('离开日期').fill(STAY.end);
  await expectText(page.locator('#days'), '3 天');
  await expectText(page.locator('#amount'), '¥950.50');
  await expectText(page.locator('#nights'), `其中 ${label(PRICED)} ¥350.50，其余每晚 ¥300`);
  assert.equal(await page.locator('#taken').isVisible(), false, 'no taken days');
  await a.shot('booking-override-total');
  await page.getByRole('button', { name: '提交订单' }).click();
  await page.waitForURL(/\/orders\.html$/);
  const order = page.locator('li.order').filter({ hasText: `${STAY.start} 至 ${STAY.end}` });
  await expectText(order, '待接单');
  await expectText(order, '（共3天）');
  await a.shot('orders-override');
});

journey('3. the stored order is priced night by night (API.md §7.3)', async () => {
  const { orders } = await guestApi.ok('GET', '/orders?role=custom');
  const o = orders.find((x) => x.start_date === STAY.start);
  assert.ok(o, 'the order of journey 2');
  assert.equal(o.days, 3);
  assert.equal(o.amount, 95050, 'amount = 300 + 350.50 + 300 yuan, in fen');
});

journey('4. the export feed, read with an independent parser (ical.js): one all-day event per range, no guest data', async () => {
  assert.ok(houseId, 'journey 1 published a house');
  const feeds = await landlordApi.ok('GET', `/houses/${houseId}/calendar/feeds`);
  exportUrl = feeds.export_url;
  const where = new URL(exportUrl);
  assert.equal(where.pathname, `/api/v1.0/houses/${houseId}/calendar.ics`);
  assert.match(where.search, /^\?token=[0-9a-f]{64}$/);
  // Only the owner gets it.
  const denied = await guestApi.call('GET', `/houses/${houseId}/calendar/feeds`);
  assert.equal(denied.errno, '4105');

  const feed = await fetchFeed(exportUrl);
  assert.equal(feed.status, 200);
  assert.match(feed.type, /^text\/calendar/);
  const vcal = new ICAL.Component(ICAL.parse(feed.text));
  assert.equal(vcal.name, 'vcalendar');
  const events = vcal.getAllSubcomponents('vevent').map((ev) => {
    const start = ev.getFirstPropertyValue('dtstart');
    const end = ev.getFirstPropertyValue('dtend');
    return {
      summary: ev.getFirstPropertyValue('summary'),
      uid: ev.getFirstPropertyValue('uid'),
      start: start.toString(),
      end: end.toString(),
      allDay: start.isDate && end.isDate,
      props: ev.getAllProperties().map((p) => p.name).sort(),
    };
  }).sort((x, y) => x.start.localeCompare(y.start));
  // One event per blocked range and per order: the three days are one range.
  assert.deepEqual(events.map(({ summary, start, end, allDay }) => ({ summary, start, end, allDay })), [
    { summary: '不可订', start: BLOCKED[0], end: addDays(BLOCKED[2], 1), allDay: true }, // DTEND exclusive
    { summary: '已预订', start: STAY.start, end: addDays(STAY.end, 1), allDay: true },
  ]);
  for (const ev of events) {
    assert.ok(ev.uid, 'a UID');
    assert.deepEqual(ev.props, ['dtend', 'dtstamp', 'dtstart', 'summary', 'uid'], 'nothing but dates, a summary and ids');
  }
  assert.notEqual(events[0].uid, events[1].uid);
  // No guest data anywhere in the feed (nor the landlord's mobile).
  for (const secret of [GUEST.mobile, GUEST.name, '138****0221', LANDLORD.mobile]) {
    assert.equal(feed.text.includes(secret), false, `the feed holds ${secret}`);
  }
  assert.doesNotMatch(feed.text, /ATTENDEE|ORGANIZER|CONTACT|DESCRIPTION/);
  // The raw lines are all-day values, as another platform reads them.
  assert.match(feed.text, new RegExp(`^DTSTART;VALUE=DATE:${BLOCKED[0].replaceAll('-', '')}\\r?$`, 'm'));
  assert.match(feed.text, new RegExp(`^DTEND;VALUE=DATE:${addDays(BLOCKED[2], 1).replaceAll('-', '')}\\r?$`, 'm'));

  // UIDs are stable from one fetch to the next.
  const again = new ICAL.Component(ICAL.parse((await fetchFeed(exportUrl)).text));
  assert.deepEqual(again.getAllSubcomponents('vevent').map((ev) => ev.getFirstPropertyValue('uid')).sort(),
    events.map((e) => e.uid).sort());

  // A wrong token is refused.
  const wrong = await fetchFeed(exportUrl.replace(/token=.*/, 'token=' + '0'.repeat(64)));
  assert.equal(JSON.parse(wrong.text).errno, '4105');
  feedText = feed.text;
});

journey('4b. the export URL names this server (no application URL is configured)', async () => {
  assert.ok(exportUrl, 'journey 4 read the export URL');
  // Other platforms fetch it: a fresh install must not hand out PocketBase's
  // default application URL (http://localhost:8090).
  assert.equal(new URL(exportUrl).origin, suite.server.base, `export_url ${exportUrl}`);
});

journey('4c. the feed\'s content lines end with CRLF (RFC 5545 §3.1)', async () => {
  assert.ok(feedText, 'journey 4 read the feed');
  const bare = feedText.split('\n').slice(0, -1).filter((line) => !line.endsWith('\r'));
  assert.deepEqual(bare, [], 'lines ended by a bare LF');
});

journey('5. the landlord copies and rotates the export URL, and manages imports', async () => {
  assert.ok(exportUrl, 'journey 4 read the export URL');
  const a = await actor('landlord');
  const { page } = a;
  await page.goto(`/calendar.html?id=${houseId}`);
  const input = page.getByLabel('导出链接');
  await page.waitForFunction(() => document.querySelector('#export-url').value !== '');
  assert.equal(await input.inputValue(), exportUrl);
  await page.getByRole('button', { name: '复制链接' }).click();
  await see(page, '已复制导出链接');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), exportUrl);

  await page.getByRole('button', { name: '重新生成' }).click();
  await see(page, '旧链接将立即失效');
  await page.getByRole('button', { name: '确定重新生成' }).click();
  await see(page, '已生成新链接');
  const fresh = await input.inputValue();
  assert.notEqual(fresh, exportUrl);
  assert.equal(JSON.parse((await fetchFeed(exportUrl)).text).errno, '4105', 'the old URL stops working');
  const now = await fetchFeed(fresh);
  assert.equal(now.status, 200);
  assert.equal(new ICAL.Component(ICAL.parse(now.text)).getAllSubcomponents('vevent').length, 2);

  // Imports: a URL that is not http(s) is refused on the page; one the
  // server may not fetch (loopback) is added with its error shown.
  await page.getByLabel('日历链接（.ics）').fill('ftp://example.com/cal.ics');
  await page.getByRole('button', { name: '添加导入' }).click();
  await see(page, '请输入以 http:// 或 https:// 开头的日历链接');
  const local = 'http://127.0.0.1:9/other.ics';
  await page.getByLabel('日历链接（.ics）').fill(local);
  await page.getByRole('button', { name: '添加导入' }).click();
  await see(page, '已添加，但首次同步失败');
  const item = page.locator('#imports li').filter({ hasText: local });
  await expectText(item, '同步失败：');
  await expectText(item, '尚未同步成功');
  await a.shot('calendar-import-error');
  await item.getByRole('button', { name: '删除', exact: true }).click();
  await item.getByRole('button', { name: '确定删除', exact: true }).click();
  await see(page, '已删除导入的日历');
  await expectText(page.locator('#imports'), '还没有导入的日历');
  assert.deepEqual((await landlordApi.ok('GET', `/houses/${houseId}/calendar/feeds`)).imports, []);
});

journey('6. conflicts: blocking booked days is refused; unblocking leaves booked days taken', async () => {
  const a = await actor('landlord');
  const { page } = a;
  await page.goto(`/calendar.html?id=${houseId}`);
  await gotoMonth(page, MONTH);
  await cell(page, STAY.start).getByRole('button').click();
  await cell(page, STAY.end).getByRole('button').click();
  await page.getByRole('button', { name: '不可订', exact: true }).click();
  await see(page.locator('#day-form [data-form-error]'), '房屋已被预订');
  await expectAttr(cell(page, PRICED), 'data-price', '35050'); // nothing changed

  // Unblock the blocked days and the booked ones: the booked days stay taken, and the page says why.
  await cell(page, BLOCKED[0]).getByRole('button').click();
  await cell(page, STAY.end).getByRole('button').click();
  await page.getByRole('button', { name: '可订', exact: true }).click();
  await see(page, `已将 ${label(BLOCKED[0])}至${label(STAY.end)} 设为可订`);
  await see(page, `${label(STAY.start)}至${label(STAY.end)}仍不可订`);
  for (const d of BLOCKED) await expectAttr(cell(page, d), 'data-available', 'true');
  for (const d of [STAY.start, PRICED, STAY.end]) await expectAttr(cell(page, d), 'data-available', 'false');
  await a.shot('calendar-conflict');
});
