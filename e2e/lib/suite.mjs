// The frame every journey file shares: one throw-away server per file, a
// browser per actor, screenshots, and what a failure keeps for reading.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startServer, Admin } from './server.mjs';
import { Actor, Shots } from './browser.mjs';

/**
 * Declares the file's before() and after(): a server started with
 * serverOpts (as startServer), its superuser logged in, a screenshots
 * folder ($IHOME_E2E_SHOTS, else a temp folder named after name); at the
 * end the browsers close and the server stops, its data dir and log kept
 * when a step failed. The returned suite's server and admin are set once
 * before() has run. (Top-level hooks of node:test start as they are
 * declared, without waiting for each other: a file's own setup goes in
 * setup, which runs at the end of this before().)
 * @param {string} name a short name for the file's folders and actors
 * @param {{server?: object, timeout?: number, setup?: () => Promise<void>,
 *   onActor?: (a: Actor) => Promise<void>}} [opts] timeout: per step, ms;
 *   setup: the file's own setup, once the server is up; onActor: run on
 *   each actor's first launch
 */
export function journeySuite(name, { server: serverOpts = {}, timeout = 120000, setup, onActor } = {}) {
  const actors = {};
  const suite = {
    /** @type {{base: string, dir: string, logFile: string, stop: Function}} */ server: null,
    /** @type {Admin} */ admin: null,
    /** @type {Shots} */ shots: null,
    failed: false,

    /** The actor's browser, launched on first use. */
    async actor(who) {
      if (!actors[who]) {
        actors[who] = await Actor.launch(who, suite.server.base, suite.server.dir, suite.shots);
        if (onActor) await onActor(actors[who]);
      }
      return actors[who];
    },

    /**
     * A test of the file's story (they run in order, each building on the
     * last): on failure every open page is screenshot; a JavaScript error
     * in any page fails it.
     */
    journey(title, fn) {
      test(title, { timeout }, async () => {
        try {
          await fn();
          for (const a of Object.values(actors)) assert.deepEqual(a.errors, [], `JavaScript errors in ${a.name}'s pages`);
        } catch (err) {
          suite.failed = true;
          for (const a of Object.values(actors)) await a.shot('FAILED').catch(() => {});
          throw err;
        }
      });
    },
  };

  before(async () => {
    suite.server = await startServer(serverOpts);
    suite.admin = new Admin(suite.server.base);
    await suite.admin.login();
    suite.shots = new Shots(process.env.IHOME_E2E_SHOTS || await mkdtemp(join(tmpdir(), `ihome-e2e-${name}-shots-`)));
    if (setup) await setup();
  });

  after(async () => {
    await Promise.all(Object.values(actors).map((a) => a.close()));
    if (suite.server) await suite.server.stop(suite.failed);
    if (suite.shots) console.log(`# screenshots: ${suite.shots.dir}`);
    if (suite.failed && suite.server) console.log(`# server data and log kept: ${suite.server.dir}`);
  });

  return suite;
}
