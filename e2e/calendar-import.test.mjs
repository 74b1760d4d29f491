// A host's calendar imported from another platform that collides with a
// booking here (API.md §7.4): the days stay blocked and calendar.html shows
// the host the conflict, so that they settle it there. The server runs with
// --ical-allow-private: it fetches the feed from a server in this process.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import { journeySuite } from './lib/suite.mjs';
import { Client } from './lib/api.mjs';
import { see, expectText } from './lib/expect.mjs';
import { todayCN, addDays, idCard } from './lib/data.mjs';

const PASSWORD = 'import-pass-1';
const LANDLORD = { mobile: '13800000141', realName: '周导入', idCard: idCard('11010519900303004') };
const GUEST = '13800000241';
const HOUSE = {
  title: '三里屯导入测试公寓', price: '260', area_id: 3, address: '三里屯路19号', room_count: 1, acreage: 40,
  unit: '一室', capacity: 2, beds: '双人床一张', deposit: '0', min_days: 1, max_days: 30, facility: [],
};
const today = todayCN();
const BOOKED = { start: addDays(today, 10), end: addDays(today, 11) }; // here
const ELSEWHERE = { start: addDays(today, 11), end: addDays(today, 12) }; // on the other platform: one day over it
const icalDate = (d) => d.replaceAll('-', '');
const FEED = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//other platform//EN', 'BEGIN:VEVENT', 'UID:other-1',
  `DTSTAMP:${icalDate(today)}T000000Z`, `DTSTART;VALUE=DATE:${icalDate(ELSEWHERE.start)}`,
  `DTEND;VALUE=DATE:${icalDate(addDays(ELSEWHERE.end, 1))}`, 'SUMMARY:Reserved', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

let feedServer;
let feedUrl = '';
let houseId = 0;

/** The other platform's export, and a landlord here whose house a guest booked. */
async function setup() {
  feedServer = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/calendar; charset=utf-8' });
    res.end(FEED);
  });
  await new Promise((ok) => feedServer.listen(0, '127.0.0.1', ok));
  feedUrl = `http://127.0.0.1:${feedServer.address().port}/other.ics`;
  const landlord = await Client.register(suite.server.base, suite.admin, LANDLORD.mobile, PASSWORD);
  await landlord.ok('POST', '/user/auth', { real_name: LANDLORD.realName, id_card: LANDLORD.idCard });
  houseId = (await landlord.ok('POST', '/houses', HOUSE)).house_id;
  const guest = await Client.register(suite.server.base, suite.admin, GUEST, PASSWORD);
  await guest.ok('POST', '/orders', { house_id: houseId, start_date: BOOKED.start, end_date: BOOKED.end });
}

const suite = journeySuite('import', { server: { args: ['--ical-allow-private'] }, setup });
after(() => feedServer && feedServer.close());

suite.journey('an imported range over a booking stays blocked and is shown to the host as a conflict', async () => {
  const a = await suite.actor('landlord');
  const { page } = a;
  await page.goto(`/login.html?next=${encodeURIComponent(`/calendar.html?id=${houseId}`)}`);
  await page.getByLabel('手机号').fill(LANDLORD.mobile);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === '/calendar.html');
  await see(page, HOUSE.title);

  await page.getByLabel('日历链接（.ics）').fill(feedUrl);
  await page.getByRole('button', { name: '添加导入' }).click();
  const item = page.locator('#imports li').filter({ hasText: feedUrl });
  await expectText(item, '上次同步：');
  await expectText(item, `与已有订单冲突（仍为不可订，请在对方平台处理）：${ELSEWHERE.start} 至 ${ELSEWHERE.end}`);
  await a.shot('import-conflict');

  // the days stay blocked: the day after the booking is not available
  const guest = new Client(suite.server.base);
  const days = (await guest.ok('GET', `/houses/${houseId}/calendar?from=${ELSEWHERE.end}&to=${ELSEWHERE.end}`)).days;
  assert.deepEqual(days.map((d) => d.available), [false], 'the imported day after the booking is blocked');
});
