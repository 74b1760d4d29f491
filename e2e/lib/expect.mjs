// Waiting assertions for the journeys: each polls the page until the
// expected state shows or the time is up, then fails with what it saw.
import assert from 'node:assert/strict';

/** Waits until text is visible inside scope (a page or a locator). */
export async function see(scope, text, timeout = 8000) {
  const loc = scope.getByText(text, { exact: false }).first();
  try {
    await loc.waitFor({ state: 'visible', timeout });
  } catch {
    const body = await (scope.page ? scope.page() : scope).locator('body').innerText().catch(() => '');
    assert.fail(`text not visible: ${JSON.stringify(text)}\n--- page text ---\n${body.slice(0, 1500)}`);
  }
}

/** Waits until locator's text contains expected (line breaks between blocks ignored too). */
export async function expectText(locator, expected, timeout = 8000) {
  const deadline = Date.now() + timeout;
  let got = '';
  while (Date.now() < deadline) {
    got = await locator.innerText().catch(() => '');
    if (got.includes(expected) || got.replace(/\s*\n\s*/g, '').includes(expected)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`expected ${JSON.stringify(expected)} in ${JSON.stringify(got)}`);
}

/** Waits until locator's attribute name equals value. */
export async function expectAttr(locator, name, value, timeout = 8000) {
  const deadline = Date.now() + timeout;
  let got = null;
  while (Date.now() < deadline) {
    got = await locator.getAttribute(name, { timeout: 1000 }).catch(() => null);
    if (got === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`expected ${name}=${JSON.stringify(value)}, got ${JSON.stringify(got)}`);
}
