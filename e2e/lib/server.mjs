// Starts a throw-away iHome server for the browser journeys: a fresh data
// dir, a superuser, `ihome serve` on a free port; stop() kills it and removes
// the data dir.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'e2e-admin-' + Math.random().toString(36).slice(2, 12);

/** The binary: $IHOME_BIN (relative to the current directory), else ../ihome beside e2e/. */
export function binaryPath() {
  return process.env.IHOME_BIN ? resolve(process.env.IHOME_BIN) : resolve(here, '..', '..', 'ihome');
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitHealthy(base, proc, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`ihome serve exited with code ${proc.exitCode}`);
    try {
      const res = await fetch(base + '/api/health');
      if (res.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`ihome serve did not answer ${base}/api/health within ${timeoutMs} ms`);
}

/**
 * @param {{payment?: string, publicDir?: string, args?: string[]}} [opts] payment: the
 *   --payment provider (e.g. 'fake'); publicDir: the pages to serve (else
 *   $IHOME_PUBLIC_DIR, else the embedded ones); args: more flags (e.g. --compat)
 * @returns {Promise<{base: string, dir: string, logFile: string, stop: (keep?: boolean) => Promise<void>}>}
 */
export async function startServer(opts = {}) {
  const bin = binaryPath();
  const dir = await mkdtemp(join(tmpdir(), 'ihome-e2e-'));
  const dataDir = join(dir, 'pb_data');
  await mkdir(dataDir, { recursive: true });
  await run(bin, ['superuser', 'upsert', ADMIN_EMAIL, ADMIN_PASSWORD, '--dir', dataDir]);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const args = ['serve', '--dir', dataDir, '--http', `127.0.0.1:${port}`];
  const publicDir = opts.publicDir || process.env.IHOME_PUBLIC_DIR;
  if (publicDir) args.push('--publicDir', resolve(publicDir));
  if (opts.payment) args.push('--payment', opts.payment);
  args.push(...(opts.args || []));
  const logFile = join(dir, 'server.log');
  const log = createWriteStream(logFile);
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  const exited = new Promise((r) => proc.once('exit', r));

  try {
    await waitHealthy(base, proc);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${err.message} (log: ${logFile})`);
  }

  return {
    base,
    dir,
    logFile,
    async stop(keep = false) {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Reads captcha and SMS codes through the superuser record API. */
export class Admin {
  constructor(base) {
    this.base = base;
    this.token = '';
  }

  async login() {
    const res = await fetch(this.base + '/api/collections/_superusers/auth-with-password', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ identity: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    const body = await res.json();
    if (!res.ok || !body.token) throw new Error(`superuser login failed: ${res.status} ${JSON.stringify(body)}`);
    this.token = body.token;
  }

  async firstRecord(collection, filter) {
    if (!this.token) await this.login();
    const url = `${this.base}/api/collections/${collection}/records?filter=${encodeURIComponent(filter)}&sort=-created`;
    const res = await fetch(url, { headers: { Authorization: this.token } });
    const body = await res.json();
    if (!res.ok) throw new Error(`GET ${collection}: ${res.status} ${JSON.stringify(body)}`);
    return body.items && body.items[0];
  }

  /** Polls for a record (the page's request may still be in flight). */
  async waitRecord(collection, filter, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rec = await this.firstRecord(collection, filter);
      if (rec) return rec;
      if (Date.now() > deadline) throw new Error(`no ${collection} record matching ${filter}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async captchaCode(key) {
    return (await this.waitRecord('captchas', `(key='${key}')`)).code;
  }

  async smsCode(mobile) {
    return (await this.waitRecord('sms_codes', `(mobile='${mobile}')`)).code;
  }
}
