// The Go-course pages' journey under --compat gocourse (API.md §9.2):
// money on the wire in yuan; the operator's pages under /home/, their
// stray links redirected there.
import assert from 'node:assert/strict';
import { legacyJourney } from './lib/legacy.mjs';

legacyJourney({
  profile: 'gocourse',
  page: '/index.html', // a stray link: lands on /home/index.html
  mobiles: ['13800000183', '13800000184'],
  wire: (yuan) => yuan,
  async checkPages(base) {
    for (const [from, to] of [['/', '/home/'], ['/index.html', '/home/index.html'], ['/search.html?aid=2&sd=2030-01-01', '/home/search.html?aid=2&sd=2030-01-01']]) {
      const res = await fetch(base + from, { redirect: 'manual' });
      assert.equal(res.status, 302, `${from} redirects`);
      assert.equal(res.headers.get('location'), to, `${from} redirects to the same page under /home/`);
    }
    const home = await fetch(base + '/home/');
    assert.match(await home.text(), /gocourse\.js/, '/home/ is the operator\'s page');
    const ours = await fetch(base + '/orders.html'); // one of our embedded pages
    await ours.arrayBuffer();
    assert.equal(ours.status, 404, 'our embedded pages are not served under a profile');
  },
});
