// The Flask-course pages' journey under --compat flask (API.md §9.1):
// money on the wire in fen; the operator's pages at the site's root.
import assert from 'node:assert/strict';
import { legacyJourney } from './lib/legacy.mjs';

legacyJourney({
  profile: 'flask',
  page: '/',
  mobiles: ['13800000181', '13800000182'],
  wire: (yuan) => Math.round(yuan * 100),
  async checkPages(base) {
    const root = await fetch(base + '/');
    assert.equal(root.status, 200);
    assert.match(await root.text(), /flask\.js/, '/ is the operator\'s page');
    const ours = await fetch(base + '/login.html'); // one of our embedded pages
    await ours.arrayBuffer();
    assert.equal(ours.status, 404, 'our embedded pages are not served under a profile');
  },
});
