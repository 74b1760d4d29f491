// The API reference (/api/docs): the binary's embedded Swagger UI renders
// the served OpenAPI document offline. Every request to another origin is
// refused and recorded (a CDN script, a font, the online validator badge),
// and must not happen; the page must render the routes from
// /api/v1.0/openapi.json without a JavaScript error or a CSP violation.
import assert from 'node:assert/strict';

import { journeySuite } from './lib/suite.mjs';

const suite = journeySuite('openapi');

suite.journey('the API reference renders offline and lists the routes', async () => {
  const reader = await suite.actor('reader');
  const { page, context } = reader;
  const origin = new URL(suite.server.base).origin;
  const elsewhere = [];
  await context.route((url) => url.origin !== origin, (route) => {
    elsewhere.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  const refused = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) refused.push(msg.text());
  });
  const specLoaded = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1.0/openapi.json');
  const res = await page.goto('/api/docs');
  assert.equal(res.status(), 200, 'GET /api/docs');
  assert.equal((await specLoaded).status(), 200, 'the page loads /api/v1.0/openapi.json');

  // the title of the document, and an operation of each end of the table
  await page.getByRole('heading', { name: /iHome API/ }).first().waitFor();
  const detail = page.locator('.opblock-summary-path[data-path="/houses/{house_id}"]').first();
  await detail.waitFor();
  assert.equal(await detail.isVisible(), true, 'GET /houses/{house_id} is listed');
  const notifications = page.locator('.opblock-summary-path[data-path="/notifications/read"]').first();
  await notifications.waitFor();
  assert.ok(await page.locator('.opblock').count() >= 40, 'every operation is listed');

  // open one: its answer schema and the errno it documents show
  await page.locator('.opblock-get:has(.opblock-summary-path[data-path="/houses/{house_id}"])').first()
    .locator('.opblock-summary').click();
  await page.getByText('房源详情 / House detail (§3.5)').first().waitFor();
  await page.locator('.opblock.is-open .responses-wrapper').first().waitFor();
  await reader.shot('api-docs');

  assert.deepEqual(elsewhere, [], 'the page asked another origin for something');
  assert.deepEqual(refused, [], 'the page broke its Content-Security-Policy');
});
