// Chromium (Debian's) driven by playwright-core: one persistent context,
// with its own temporary profile, per actor (landlord, guests), so each
// keeps its own cookies.
import { chromium } from 'playwright-core';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const PHONE = { width: 390, height: 844 };
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class Actor {
  /** @param {string} name @param {string} base @param {string} dir temp dir for the profile @param {Shots} shots */
  static async launch(name, base, dir, shots) {
    const profile = await mkdtemp(join(dir, `profile-${name}-`));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      baseURL: base,
      viewport: PHONE,
      deviceScaleFactor: 1,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
    });
    context.setDefaultTimeout(10000);
    context.setDefaultNavigationTimeout(15000);
    const page = context.pages()[0] || await context.newPage();
    const actor = new Actor(name, context, page, shots);
    return actor;
  }

  constructor(name, context, page, shots) {
    this.name = name;
    this.context = context;
    this.page = page;
    this.shots = shots;
    this.errors = [];
    page.on('pageerror', (err) => this.errors.push(`${page.url()}: ${err.message}`));
  }

  /** A full-page screenshot into the shots folder. */
  shot(step) {
    return this.shots.take(this.page, `${this.name}-${step}`);
  }

  async close() {
    await this.context.close().catch(() => {});
  }
}

export class Shots {
  constructor(dir) {
    this.dir = dir;
    this.n = 0;
  }

  async take(page, name) {
    this.n += 1;
    const file = join(this.dir, `${String(this.n).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '_')}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  }
}
