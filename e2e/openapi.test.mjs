// The API reference (/api/docs): the binary's embedded Swagger UI renders
// the served OpenAPI document offline. Every request to another origin is
// refused and recorded (a CDN script, a font, the online validator badge),
// and must not happen; the page must render the routes from
// /api/v1.0/openapi.json without a JavaScript error or a CSP violation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer } from './lib/server.mjs';
import { Actor, Shots } from './lib/browser.mjs';

let server;
let shots;
let reader;
let failed = false;

before(async () => {
  server = await startServer();
  shots = new Shots(process.env.IHOME_E2E_SHOTS || await mkdtemp(join(tmpdir(), 'ihome-e2e-openapi-shots-')));
  reader = await Actor.launch('reader', server.base, server.dir, shots);
});

after(async () => {
  if (reader) await reader.close();
  if (server) await server.stop(failed);
  if (shots) console.log(`# screenshots: ${shots.dir}`);
  if (failed && server) console.log(`# server data and log kept: ${server.dir}`);
});

test('the API reference renders offline and lists the routes', { timeout: 120000 }, async () => {
  const { page, context } = reader;
  const origin = new URL(server.base).origin;
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
  try {
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
    assert.deepEqual(reader.errors, [], 'JavaScript errors on the page');
  } catch (err) {
    failed = true;
    await reader.shot('FAILED').catch(() => {});
    throw err;
  }
});
