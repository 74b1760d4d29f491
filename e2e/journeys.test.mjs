// Browser journeys through the iHome pages, against a fresh server.
// The steps build on each other (one landlord, one house, two guests), so
// the tests of this file run in order.
import assert from 'node:assert/strict';

import { journeySuite } from './lib/suite.mjs';
import { PHONE } from './lib/browser.mjs';
import { makePng } from './lib/png.mjs';
import { see, expectText } from './lib/expect.mjs';
import { todayCN, addDays, idCard } from './lib/data.mjs';

const DESKTOP = { width: 1280, height: 800 };
const PASSWORD = 'secret-pass-1';
const LANDLORD = { mobile: '13800000101', name: '房东老王', realName: '王大明', idCard: idCard('11010119800101001') };
const GUEST1 = { mobile: '13800000201' };
const GUEST2 = { mobile: '13800000301' };
const HOUSE = {
  title: '朝阳公园旁温馨两居',
  price: '299.5', // yuan → 29950 fen
  deposit: '500',
  area: '朝阳区',
  address: '朝阳公园南路1号院3号楼',
  room_count: '2',
  acreage: '80',
  unit: '两室一厅',
  capacity: '4',
  beds: '双人床两张',
  min_days: '1',
  max_days: '30',
  facilities: ['无线网络', '空调', '电梯'],
};
const HOME = /^http:\/\/[^/]+\/(index\.html)?$/; // the home page (the server serves /index.html at /)
const REVIEW = '房子干净明亮，房东很热情，下次还来！';
const REJECT_REASON = '这几天房屋维修，抱歉';

// Stays, in Asia/Shanghai calendar days, well in the future.
const today = todayCN();
const STAY = { start: addDays(today, 20), end: addDays(today, 21) }; // 2 days (inclusive)
const STAY2 = { start: addDays(today, 40), end: addDays(today, 42) }; // 3 days

let houseId = 0;

const suite = journeySuite('journeys', { timeout: 90000 });
const { actor, journey } = suite;

async function captchaId(page) {
  await page.waitForFunction(() => {
    const img = document.querySelector('#captcha');
    return img && img.complete && img.naturalWidth > 0;
  });
  const src = await page.locator('#captcha').getAttribute('src');
  return new URL(src, page.url()).searchParams.get('cur');
}

/** Registers through register.html: captcha and SMS code read via the superuser API. */
async function register(a, mobile, { wrongCaptchaFirst = false } = {}) {
  const { page } = a;
  await page.goto('/register.html');
  await page.getByLabel('手机号').fill(mobile);

  if (wrongCaptchaFirst) {
    const first = await captchaId(page);
    await page.getByLabel('图片验证码').fill('0000'); // "0" is never in a captcha
    await page.getByRole('button', { name: '获取验证码' }).click();
    await see(page, '图片验证码错误');
    await a.shot('register-wrong-captcha');
    // The used captcha is replaced by a new one.
    await page.waitForFunction((old) => new URL(document.querySelector('#captcha').src).searchParams.get('cur') !== old, first);
  }

  const cur = await captchaId(page);
  await page.getByLabel('图片验证码').fill(await suite.admin.captchaCode(cur));
  const smsButton = page.locator('#sms-btn');
  await smsButton.click();
  await see(page, '请查收短信');
  await expectText(smsButton, '秒后重新获取');
  assert.equal(await smsButton.isDisabled(), true, 'the SMS button counts down disabled');
  await page.getByLabel('短信验证码').fill(await suite.admin.smsCode(mobile));
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByLabel('确认密码').fill(PASSWORD);
  await a.shot('register-filled');
  await page.getByRole('button', { name: '注册', exact: true }).click();
  await page.waitForURL(HOME);
  await expectText(page.locator('#userbox'), mobile);
  await a.shot('registered-home');
}

/** Books through booking.html; returns nothing, the caller checks the outcome. */
async function fillBooking(page, stay) {
  await page.getByLabel('入住日期').fill(stay.start);
  await page.getByLabel('离开日期').fill(stay.end);
}

journey('1. a landlord registers, verifies their identity and publishes a house with two pictures', async () => {
  const a = await actor('landlord');
  const { page } = a;
  await register(a, LANDLORD.mobile, { wrongCaptchaFirst: true });

  // Not verified yet: the listings page asks for real-name verification.
  await page.goto('/myhouse.html');
  await see(page, '发布房源前请先完成实名认证');
  await see(page, '您还没有发布房源');
  assert.equal(await page.getByRole('link', { name: '发布新房源' }).isVisible(), false);
  await a.shot('myhouse-unverified');
  await page.getByRole('link', { name: '去实名认证' }).click();
  await page.waitForURL(/\/auth\.html$/);

  // A wrong check digit is refused before anything is sent.
  await page.getByLabel('真实姓名').fill(LANDLORD.realName);
  const bad = LANDLORD.idCard.slice(0, 17) + (LANDLORD.idCard[17] === '0' ? '1' : '0');
  await page.getByLabel('身份证号').fill(bad);
  await page.getByRole('button', { name: '提交认证' }).click();
  await see(page, '校验位不正确');
  await page.getByLabel('身份证号').fill(LANDLORD.idCard);
  await page.getByRole('button', { name: '提交认证' }).click();
  await see(page, '已完成实名认证');
  await see(page, LANDLORD.realName);
  await see(page, LANDLORD.idCard.slice(0, 6) + '********' + LANDLORD.idCard.slice(14));
  await a.shot('auth-verified');
  await page.reload();
  await see(page, '已完成实名认证'); // read-only from GET /user/auth
  assert.equal(await page.locator('#auth-form').isVisible(), false);

  // Profile: an avatar (previewed before upload) and a name.
  await page.goto('/profile.html');
  await page.getByLabel(/选择图片/).setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: makePng(120, 120, [255, 170, 120], [200, 80, 60]) });
  assert.match(await page.locator('#avatar-preview').getAttribute('src'), /^blob:/);
  await page.getByRole('button', { name: '上传头像' }).click();
  await see(page, '头像已更新');
  assert.match(await page.locator('#avatar-preview').getAttribute('src'), /^\/api\/files\/users\/.+\?thumb=100x100$/);
  await page.getByLabel('用户名').fill(LANDLORD.name);
  await page.getByRole('button', { name: '保存用户名' }).click();
  await see(page, '用户名已保存');
  await a.shot('profile-saved');

  // Publish.
  await page.goto('/myhouse.html');
  await page.getByRole('link', { name: '发布新房源' }).click();
  await page.waitForURL(/\/newhouse\.html$/);
  await page.getByLabel('房屋标题').fill(HOUSE.title);
  await page.getByLabel('每晚价格（元）').fill(HOUSE.price);
  await page.getByLabel('押金（元）').fill(HOUSE.deposit);
  await page.getByLabel('所在区域').selectOption({ label: HOUSE.area });
  await page.getByLabel('详细地址').fill(HOUSE.address);
  await page.getByLabel('出租房间数').fill(HOUSE.room_count);
  await page.getByLabel('房屋面积（平米）').fill(HOUSE.acreage);
  await page.getByLabel('户型描述').fill(HOUSE.unit);
  await page.getByLabel('宜住人数').fill(HOUSE.capacity);
  await page.getByLabel('卧床配置').fill(HOUSE.beds);
  await page.getByLabel('最少入住天数').fill(HOUSE.min_days);
  await page.getByLabel('最多入住天数').fill(HOUSE.max_days);
  for (const f of HOUSE.facilities) await page.getByLabel(f, { exact: true }).check();
  await a.shot('newhouse-filled');
  await page.getByRole('button', { name: /发布房源/ }).click();
  await see(page, '房源已发布');
  houseId = Number(new URL(page.url()).searchParams.get('id'));
  assert.ok(houseId > 0, `house id in ${page.url()}`);

  // Two pictures, uploaded one after the other.
  await page.getByLabel(/选择图片/).setInputFiles([
    { name: 'living-room.png', mimeType: 'image/png', buffer: makePng(640, 400, [90, 150, 220], [30, 60, 120]) },
    { name: 'bedroom.png', mimeType: 'image/png', buffer: makePng(640, 400, [250, 200, 120], [190, 110, 50]) },
  ]);
  await page.getByRole('button', { name: '上传图片' }).click();
  await see(page, '已上传 2 张图片');
  const pictures = page.locator('#pictures img');
  assert.equal(await pictures.count(), 2);
  await see(page, '第1张（封面）');
  await page.waitForFunction(() => [...document.querySelectorAll('#pictures img')].every((i) => i.complete && i.naturalWidth > 0));
  await a.shot('newhouse-pictures');

  // The landlord's own detail page: everything shown, no booking button.
  await page.getByRole('link', { name: '查看房源' }).click();
  await page.waitForURL(/\/detail\.html\?id=\d+$/);
  await see(page, HOUSE.title);
  await see(page, '¥299.50');
  await see(page, '两室一厅');
  await see(page, '80 平米');
  await see(page, '¥500');
  await see(page, '最多入住');
  await see(page, '30 天');
  for (const f of HOUSE.facilities) await see(page.locator('#facilities'), f);
  await see(page, LANDLORD.name);
  await see(page, '已预订 0 次');
  assert.equal(await page.locator('#gallery img').count(), 2);
  await see(page, '这是您发布的房源');
  await page.setViewportSize(DESKTOP);
  await a.shot('detail-owner-desktop');
  await page.setViewportSize(PHONE);
  assert.equal(await page.getByRole('link', { name: '即刻预定' }).isVisible(), false, 'no booking button for the owner');
  await a.shot('detail-owner');

  await page.goto('/myhouse.html');
  await see(page, HOUSE.title);
  await see(page, '已预订0次');
});

journey('2. a guest registers, searches by area and dates, opens the house and books two days', async () => {
  assert.ok(houseId, 'journey 1 published a house');
  const a = await actor('guest1');
  const { page } = a;
  await register(a, GUEST1.mobile);

  // The home page picks show the house (it has a picture).
  await see(page.locator('#carousel'), HOUSE.title);

  await page.getByLabel('区域').selectOption({ label: HOUSE.area });
  await page.getByLabel('入住日期').fill(STAY.start);
  await page.getByLabel('离开日期').fill(STAY.end);
  await a.shot('home-search');
  await page.getByRole('button', { name: '搜索房源' }).click();
  await page.waitForURL(/\/search\.html\?/);
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('sd'), STAY.start);
  assert.equal(url.searchParams.get('ed'), STAY.end);
  const card = page.locator('#results li').filter({ hasText: HOUSE.title });
  await card.waitFor();
  await expectText(card, '¥299.50/晚');
  await expectText(card, '2间出租');
  await expectText(card, '已预订0次');
  await expectText(card, HOUSE.address);
  assert.match(await card.locator('img.pic').getAttribute('src'), /\?thumb=320x200$/);
  assert.match(await card.locator('img.avatar').getAttribute('src'), /^\/api\/files\/users\//);
  await see(page, '已经到底了');
  await a.shot('search-results');
  await page.setViewportSize(DESKTOP); // the same page on a desktop
  await a.shot('search-results-desktop');
  await page.setViewportSize(PHONE);

  await card.getByRole('link', { name: HOUSE.title, exact: true }).click();
  await page.waitForURL(new RegExp(`/detail\\.html\\?id=${houseId}$`));
  await see(page, HOUSE.title);
  await see(page, '暂无评价');
  await a.shot('detail-guest');
  await page.getByRole('link', { name: '即刻预定' }).click();
  await page.waitForURL(new RegExp(`/booking\\.html\\?hid=${houseId}$`));

  await see(page, HOUSE.title);
  await page.getByLabel('入住日期').fill(STAY.start);
  await page.getByLabel('离开日期').fill(STAY.start);
  await expectText(page.locator('#days'), '1 天');
  await expectText(page.locator('#amount'), '¥299.50');
  await page.getByLabel('离开日期').fill(STAY.end);
  await expectText(page.locator('#days'), '2 天');
  await expectText(page.locator('#amount'), '¥599');
  await a.shot('booking-filled');
  await page.getByRole('button', { name: '提交订单' }).click();
  await page.waitForURL(/\/orders\.html$/);
  const order = page.locator('li.order').filter({ hasText: HOUSE.title });
  await expectText(order, '待接单');
  await expectText(order, `${STAY.start} 至 ${STAY.end}（共2天）`);
  await expectText(order, '¥599');
  await see(order, '取消订单');
  await a.shot('orders-waiting');
});

journey('3. the landlord accepts, the guest reviews, the review and the booking count show on the house', async () => {
  const landlord = await actor('landlord');
  const guest = await actor('guest1');

  await landlord.page.goto('/lorders.html');
  const lorder = landlord.page.locator('li.order').filter({ hasText: `${STAY.start} 至 ${STAY.end}` });
  await expectText(lorder, '待接单');
  await landlord.shot('lorders-waiting');
  await lorder.getByRole('button', { name: '接单' }).click();
  await expectText(lorder, '待评价');
  assert.equal(await lorder.getByRole('button', { name: '接单' }).count(), 0);
  await landlord.shot('lorders-accepted');

  const { page } = guest;
  await page.goto('/orders.html');
  const order = page.locator('li.order').filter({ hasText: `${STAY.start} 至 ${STAY.end}` });
  await expectText(order, '待评价');
  // An empty review is refused on the page.
  await order.getByRole('button', { name: '发表评价' }).click();
  await see(order, '请填写评价这次入住');
  await order.getByLabel('评价这次入住').fill(REVIEW);
  await guest.shot('orders-review');
  await order.getByRole('button', { name: '发表评价' }).click();
  await expectText(order, '已完成');
  await expectText(order, `我的评价：${REVIEW}`);
  await guest.shot('orders-complete');

  await page.goto(`/detail.html?id=${houseId}`);
  await see(page.locator('#comments'), REVIEW);
  await see(page.locator('#comments'), '138****0201'); // the guest's default name, masked
  await see(page, '已预订 1 次');
  await guest.shot('detail-reviewed');

  await page.goto('/search.html?sk=booking');
  await expectText(page.locator('#results li').filter({ hasText: HOUSE.title }), '已预订1次');

  await landlord.page.goto('/lorders.html');
  await expectText(landlord.page.locator('li.order').first(), `房客评价：${REVIEW}`);
});

journey('4. a second guest finds the dates taken and gets "房屋已被预订"', async () => {
  const a = await actor('guest2');
  const { page } = a;
  await register(a, GUEST2.mobile);

  // Searching those dates leaves the house out: the empty state shows.
  await page.goto(`/search.html?aid=3&sd=${STAY.start}&ed=${STAY.end}`);
  await see(page, '没有找到符合条件的房源');
  assert.equal(await page.locator('#results li').count(), 0);
  assert.equal(await page.getByRole('button', { name: '加载更多' }).isVisible(), false);
  await a.shot('search-empty');

  // The house is still bookable on other dates, so the guest finds it and tries anyway.
  await page.getByRole('link', { name: '查看全部房源' }).click();
  await page.locator('#results li').filter({ hasText: HOUSE.title }).getByRole('link', { name: HOUSE.title, exact: true }).click();
  await page.getByRole('link', { name: '即刻预定' }).click();
  await page.waitForURL(/\/booking\.html\?hid=\d+$/);
  await fillBooking(page, { start: STAY.end, end: addDays(STAY.end, 1) }); // overlaps by one day
  const submit = page.getByRole('button', { name: '提交订单' });
  await submit.click();
  await see(page, '房屋已被预订');
  assert.match(page.url(), /\/booking\.html\?hid=\d+$/);
  assert.equal(await submit.isDisabled(), false, 'the button is usable again');
  await a.shot('booking-taken');

  await page.goto('/orders.html');
  await see(page, '您还没有订单');
});

journey('5. reject and cancel flows; logout; a protected page goes to login and back', async () => {
  const landlord = await actor('landlord');
  const guest = await actor('guest1');
  const { page } = guest;
  const range = `${STAY2.start} 至 ${STAY2.end}`;

  // The guest books; the landlord rejects with a reason.
  await page.goto(`/booking.html?hid=${houseId}`);
  await fillBooking(page, STAY2);
  await expectText(page.locator('#days'), '3 天');
  await expectText(page.locator('#amount'), '¥898.50');
  await page.getByRole('button', { name: '提交订单' }).click();
  await page.waitForURL(/\/orders\.html$/);
  await expectText(page.locator('li.order').filter({ hasText: range }), '待接单');

  await landlord.page.goto('/lorders.html');
  const lorder = landlord.page.locator('li.order').filter({ hasText: range }).filter({ hasText: '待接单' });
  await lorder.getByRole('button', { name: '拒单' }).click();
  await lorder.getByRole('button', { name: '确认拒单' }).click();
  await see(lorder, '请填写拒单原因');
  await lorder.getByLabel('拒单原因').fill(REJECT_REASON);
  await landlord.shot('lorders-reject');
  await lorder.getByRole('button', { name: '确认拒单' }).click();
  const rejected = landlord.page.locator('li.order').filter({ hasText: range });
  await expectText(rejected, '已拒单');
  await expectText(rejected, `拒单原因：${REJECT_REASON}`);
  await landlord.shot('lorders-rejected');

  await page.goto('/orders.html');
  const mine = page.locator('li.order').filter({ hasText: range });
  await expectText(mine, '已拒单');
  await expectText(mine, `拒单原因：${REJECT_REASON}`);
  await guest.shot('orders-rejected');

  // The rejection freed the dates: book again, then cancel.
  await page.goto(`/booking.html?hid=${houseId}`);
  await fillBooking(page, STAY2);
  await page.getByRole('button', { name: '提交订单' }).click();
  await page.waitForURL(/\/orders\.html$/);
  const again = page.locator('li.order').filter({ hasText: range }).filter({ hasText: '待接单' });
  await again.getByRole('button', { name: '取消订单' }).click();
  await see(again, '确定要取消这个订单吗？');
  await again.getByRole('button', { name: '确定取消' }).click();
  await expectText(page.locator('li.order').first(), '已取消');
  assert.equal(await page.locator('li.order').filter({ hasText: '待接单' }).count(), 0);
  const statuses = await page.locator('li.order .status').allInnerTexts();
  assert.deepEqual(statuses, ['已取消', '已拒单', '已完成']);
  await guest.shot('orders-canceled');

  await landlord.page.goto('/lorders.html');
  await expectText(landlord.page.locator('li.order').first(), '已取消');

  // Log out from my.html.
  await page.goto('/my.html');
  await see(page, GUEST1.mobile);
  await guest.shot('my');
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.waitForURL(HOME);
  await see(page.locator('#userbox'), '登录');
  await guest.shot('logged-out');

  // A protected page sends to the login page, and back after logging in.
  await page.goto('/my.html');
  await page.waitForURL(/\/login\.html\?next=%2Fmy\.html$/);
  await see(page, '请先登录');
  await page.getByLabel('手机号').fill(GUEST1.mobile);
  await page.getByLabel('密码').fill('wrong-password');
  await page.getByRole('button', { name: '登录' }).click();
  await see(page, '手机号或密码错误');
  await guest.shot('login-wrong');
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(/\/my\.html$/);
  await see(page, GUEST1.mobile);
  await see(page, '退出登录');
  await guest.shot('back-on-my');
});

journey('6. search results come a page at a time with 加载更多, sorted by price', async () => {
  // Eleven more houses (no pictures), published through the API with the
  // landlord's bearer token: with the first one, two pages of ten.
  // Logging in is a POST like any other: it needs the CSRF cookie and header.
  const hello = await fetch(suite.server.base + '/api/v1.0/session');
  const csrf = /csrf_token=([^;]+)/.exec(hello.headers.get('set-cookie') || '')[1];
  const login = await (await fetch(suite.server.base + '/api/v1.0/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: `csrf_token=${csrf}`, 'X-CSRFToken': csrf },
    body: JSON.stringify({ mobile: LANDLORD.mobile, password: PASSWORD }),
  })).json();
  assert.equal(login.errno, '0', JSON.stringify(login));
  for (let i = 1; i <= 11; i++) {
    const res = await (await fetch(suite.server.base + '/api/v1.0/houses', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${login.data.token}` },
      body: JSON.stringify({
        title: `海淀测试房源${i}`, price: String(100 + i * 10), area_id: 4, address: `海淀路${i}号`,
        room_count: 1, acreage: 30 + i, unit: '一室', capacity: 2, beds: '单人床', deposit: '0',
        min_days: 1, max_days: 0, facility: [],
      }),
    })).json();
    assert.equal(res.errno, '0', JSON.stringify(res));
  }

  const a = await actor('guest2');
  const { page } = a;
  await page.goto('/search.html?sk=price-inc');
  await see(page, '已显示 10 套房源（第 1/2 页）');
  const more = page.getByRole('button', { name: '加载更多' });
  await more.waitFor();
  await a.shot('search-page1');
  await more.click();
  await see(page, '已显示 12 套房源（第 2/2 页）');
  await see(page, '已经到底了');
  assert.equal(await more.isVisible(), false);
  const prices = (await page.locator('#results .price-tag').allInnerTexts()).map((t) => Number(t.replace(/[¥/晚]/g, '')));
  assert.equal(prices.length, 12);
  assert.deepEqual(prices, [...prices].sort((x, y) => x - y), 'cheapest first');
  assert.equal(prices.at(-1), 299.5);
  // No picture: the placeholder, with alt text.
  const first = page.locator('#results li').first().locator('img.pic');
  assert.match(await first.getAttribute('src'), /img\/house\.svg$/);
  assert.ok(await first.getAttribute('alt'));
  await a.shot('search-page2');

  // Another sort from the select, and an area filter.
  await page.getByLabel('排序').selectOption({ label: '价格 高→低' });
  await see(page, '已显示 10 套房源（第 1/2 页）');
  await expectText(page.locator('#results li').first(), HOUSE.title);
  assert.match(page.url(), /sk=price-des/);
  await page.getByLabel('区域').selectOption({ label: HOUSE.area });
  await see(page, '已显示 1 套房源（第 1/1 页）');
});

journey('7. after logging in, ?next= leads only to a page of this site', async () => {
  assert.ok(houseId, 'journey 1 published a house');
  const a = await actor('visitor');
  const { page } = a;
  const origin = new URL(suite.server.base).origin;
  // Nothing leaves the machine: any other origin gets a stub page, and is noted.
  const offsite = [];
  await a.context.route((url) => url.origin !== origin, (route) => {
    offsite.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<title>offsite</title><p>offsite</p>' });
  });

  async function loginWith(query) {
    await page.goto(`/login.html?${query}`);
    await page.getByLabel('手机号').fill(GUEST2.mobile);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((u) => u.origin !== origin || u.pathname !== '/login.html');
    return new URL(page.url());
  }

  // Each as a link would carry it: the page reads the value decoded once.
  const hostile = [
    '/%09/evil.example/', // a tab as the second character: the URL parser drops it, "//evil.example/"
    '/%0A/evil.example/', // a newline
    '/%0D/evil.example/', // a carriage return
    '%09//evil.example/', // leading control characters and spaces are trimmed
    '%00//evil.example/',
    '%20//evil.example/',
    '//evil.example/',
    '%2F%2Fevil.example%2F', // the same, encoded
    '/%5Cevil.example/', // a backslash is a slash to the URL parser
    '%5C%5Cevil.example/',
    '/%5C/evil.example/',
    '/%09%5Cevil.example/',
    'https://evil.example/',
    'https:evil.example/',
    'HTTPS:%2F%2Fevil.example',
    '/.//evil.example/', // a path that normalises to "//evil.example/"
    'javascript:alert(document.domain)',
  ];
  for (const next of hostile) {
    const at = await loginWith(`next=${next}`);
    assert.equal(at.origin, origin, `next=${next} led to ${at.href}`);
    assert.match(at.href, HOME, `next=${next}: the home page, not ${at.href}`);
  }
  assert.deepEqual(offsite, [], 'requests to other sites');
  await a.shot('next-hostile-home');

  // A path of this site still works, query included.
  const good = `/detail.html?id=${houseId}`;
  const at = await loginWith(`next=${encodeURIComponent(good)}`);
  assert.equal(at.href, suite.server.base + good);
  await see(page, HOUSE.title);
  await a.shot('next-detail');
});
