// The journey of an existing iHome front-end against a --compat profile
// (API.md §9): a server started with --compat <profile> --publicDir
// e2e/legacy, whose stand-in page (e2e/legacy/journey.js) makes the
// family's calls in the family's shapes. Two people, each in their own
// browser, go through register (captcha + SMS), login, rename, avatar,
// real name, publish, picture, search (money checked in the unit the
// family reads, on the wire and on screen), detail, book, both order
// lists, accept, reject, review and logout. The tests of one journey run
// in order, each building on the last.
import assert from 'node:assert/strict';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { journeySuite } from './suite.mjs';
import { see, expectText } from './expect.mjs';
import { todayCN, addDays, idCard } from './data.mjs';
import { makePng } from './png.mjs';

const PAGES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'legacy');
const PASSWORD = 'legacy-pass-1';

/**
 * Declares the journey's tests for one profile.
 * @param {{profile: 'flask'|'gocourse', page: string, wire: (yuan: number) => number,
 *   checkPages: (base: string) => Promise<void>, mobiles: [string, string]}} p
 *   page: where the family's page lives; wire: a yuan amount as the family's
 *   answers carry it (fen for flask, yuan for gocourse); checkPages: what the
 *   profile serves instead of our embedded pages.
 */
export function legacyJourney({ profile, page: pagePath, wire, checkPages, mobiles }) {
  const LANDLORD = { mobile: mobiles[0], name: `房东${profile}`, realName: '钱老页', idCard: idCard(profile === 'flask' ? '11010519800101001' : '11010519800101002') };
  const GUEST = { mobile: mobiles[1] };
  const HOUSE = { title: `老页面小院${profile}`, price: 388.8, deposit: 100 };
  const today = todayCN();
  const STAY = { sd: addDays(today, 30), ed: addDays(today, 31) }; // 2 nights
  const SECOND = { sd: addDays(today, 40), ed: addDays(today, 40) }; // 1 night

  const suite = journeySuite(profile, {
    server: { publicDir: PAGES, args: ['--compat', profile] },
    onActor: (a) => a.page.goto(pagePath).then(() => {}),
  });
  const actor = (who) => suite.actor(`${profile}-${who}`);
  const step = (title, fn) => suite.journey(`${profile}: ${title}`, fn);

  /** Clicks a button and waits for the page's status line to say expected. */
  async function act(a, buttonName, expected) {
    await a.page.locator('#msg').evaluate((el) => { el.textContent = ''; });
    await a.page.getByRole('button', { name: buttonName, exact: true }).click();
    await expectText(a.page.locator('#msg'), expected);
  }

  /** Clicks and returns the JSON answer of the call whose path ends with suffix. */
  async function answerOf(a, suffix, click) {
    const [resp] = await Promise.all([
      a.page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(suffix)),
      click(),
    ]);
    return resp.json();
  }

  const input = (a, label) => a.page.getByLabel(label, { exact: true });

  async function register(a, mobile) {
    const { page } = a;
    await input(a, '手机号').fill(mobile);
    await page.waitForFunction(() => document.querySelector('#captcha').complete && document.querySelector('#captcha').naturalWidth > 0);
    const key = (await page.locator('#captcha').getAttribute('src')).split('/').pop();
    await input(a, '图片验证码').fill(await suite.admin.captchaCode(key));
    await act(a, '获取短信验证码', '短信验证码已发送');
    await input(a, '短信验证码').fill(await suite.admin.smsCode(mobile));
    await input(a, '密码').fill(PASSWORD);
    await act(a, '注册', '注册成功');
    await act(a, '退出', '已退出');
    await act(a, '我的信息', '请先登录');
    await act(a, '登录', '登录成功');
  }

  async function orderRow(a, stay) {
    return a.page.locator('#orders li').filter({ hasText: `${stay.sd}–${stay.ed}` });
  }

  step('the pages are the operator\'s, not ours', async () => {
    await checkPages(suite.server.base);
  });

  step('a landlord registers, renames, uploads an avatar, verifies a real name, publishes with a picture', async () => {
    const a = await actor('landlord');
    await register(a, LANDLORD.mobile);
    await input(a, '用户名').fill(LANDLORD.name);
    await act(a, '保存用户名', '用户名已保存');
    await input(a, '头像').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: makePng(96, 96, [250, 180, 120], [190, 90, 60]) });
    await act(a, '上传头像', '头像已上传');
    const me = await answerOf(a, '/user', () => a.page.getByRole('button', { name: '我的信息' }).click());
    assert.ok(me.data.avatar && me.data.avatar === me.data.avatar_url, `data.avatar beside avatar_url: ${JSON.stringify(me.data)}`);
    await expectText(a.page.locator('#me'), LANDLORD.name);
    await input(a, '真实姓名').fill(LANDLORD.realName);
    await input(a, '身份证号').fill(LANDLORD.idCard);
    await act(a, '实名认证', '实名认证成功');
    await expectText(a.page.locator('#auth'), LANDLORD.realName);

    await input(a, '房屋标题').fill(HOUSE.title);
    await input(a, '每晚价格').fill(String(HOUSE.price));
    await input(a, '押金').fill(String(HOUSE.deposit));
    await a.page.getByRole('button', { name: '发布房源' }).click();
    await see(a.page, '已发布');
    await input(a, '房屋图片').setInputFiles({ name: 'house.png', mimeType: 'image/png', buffer: makePng(160, 120, [120, 170, 230], [40, 90, 160]) });
    await act(a, '上传图片', '图片已上传 /api/files/');
    const mine = await answerOf(a, '/user/houses', () => a.page.getByRole('button', { name: '我的房源' }).click());
    assert.equal(mine.data.houses[0].price, wire(HOUSE.price), 'my houses: the price in the family\'s unit');
    await expectText(a.page.locator('#myhouses'), `¥${HOUSE.price}/晚`);
    await a.shot('published');
  });

  step('a guest registers, finds the house (money in the family\'s unit), books it; taken dates are refused', async () => {
    const a = await actor('guest');
    await register(a, GUEST.mobile);
    await input(a, '用户名').fill(LANDLORD.name);
    await act(a, '保存用户名', '用户名已存在'); // 4001, what these pages test for

    await a.page.getByRole('button', { name: '首页推荐' }).click();
    await expectText(a.page.locator('#index'), HOUSE.title);
    await input(a, '入住日期').fill(STAY.sd);
    await input(a, '离开日期').fill(STAY.ed);
    const found = await answerOf(a, '/houses', () => a.page.getByRole('button', { name: '搜索' }).click());
    const item = found.data.houses.find((h) => h.title === HOUSE.title);
    assert.ok(item, `search finds the house: ${JSON.stringify(found.data)}`);
    assert.equal(item.price, wire(HOUSE.price), 'search: the price in the family\'s unit');
    await expectText(a.page.locator('#houses'), `¥${HOUSE.price}/晚`);

    const detail = await answerOf(a, `/houses/${item.house_id}`, () => a.page.getByRole('button', { name: '详情' }).first().click());
    assert.equal(detail.data.house.price, wire(HOUSE.price), 'detail: price');
    assert.equal(detail.data.house.deposit, wire(HOUSE.deposit), 'detail: deposit');
    await expectText(a.page.locator('#detail'), `押金 ¥${HOUSE.deposit}`);
    await expectText(a.page.locator('#detail'), '1 张图片');
    await act(a, '预订', '下单成功');
    await act(a, '预订', '房间已被抢定'); // the same dates again
    await input(a, '入住日期').fill(SECOND.sd);
    await input(a, '离开日期').fill(SECOND.ed);
    await act(a, '预订', '下单成功');

    // the booked dates are gone from the search, other dates still show it
    await input(a, '入住日期').fill(STAY.sd);
    await input(a, '离开日期').fill(STAY.ed);
    await act(a, '搜索', '找到');
    assert.equal(await a.page.locator('#houses li').filter({ hasText: HOUSE.title }).count(), 0, 'booked dates hide the house');

    const mine = await answerOf(a, '/user/orders', () => a.page.getByRole('button', { name: '我的订单' }).click());
    const amounts = mine.data.orders.map((o) => o.amount).sort((x, y) => x - y);
    assert.deepEqual(amounts, [wire(HOUSE.price), wire(HOUSE.price * 2)], 'order amounts in the family\'s unit');
    await expectText(await orderRow(a, STAY), `¥${HOUSE.price * 2}`); // on screen always yuan
    await expectText(await orderRow(a, STAY), 'WAIT_ACCEPT');
    await a.shot('booked');
  });

  step('the landlord accepts one order and rejects the other', async () => {
    const a = await actor('landlord');
    await a.page.getByRole('button', { name: '客户订单' }).click();
    await expectText(await orderRow(a, STAY), 'WAIT_ACCEPT');
    await (await orderRow(a, STAY)).getByRole('button', { name: '接单' }).click();
    await expectText(await orderRow(a, STAY), 'WAIT_COMMENT');
    await input(a, '拒单原因').fill('那天房子在装修');
    await (await orderRow(a, SECOND)).getByRole('button', { name: '拒单' }).click();
    await expectText(await orderRow(a, SECOND), 'REJECTED');
    await expectText(await orderRow(a, SECOND), '那天房子在装修');
    await a.shot('answered');
  });

  step('the guest reviews the stay and logs out', async () => {
    const a = await actor('guest');
    await a.page.getByRole('button', { name: '我的订单' }).click();
    await expectText(await orderRow(a, SECOND), '那天房子在装修');
    await input(a, '评价内容').fill('院子很安静，房东很热情');
    await (await orderRow(a, STAY)).getByRole('button', { name: '评价' }).click();
    await expectText(await orderRow(a, STAY), 'COMPLETE');
    await expectText(await orderRow(a, STAY), '院子很安静');
    await act(a, '退出', '已退出');
    await act(a, '我的订单', '请先登录');
    await a.shot('logged-out');
  });
}
