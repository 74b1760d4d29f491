// A small /api/v1.0 client for setting up journeys from the Node side
// (accounts, houses) without clicking through pages that other journeys
// already cover. Unsafe requests carry the CSRF cookie and header until
// the client logs in; then it uses the bearer token (API.md §1.3, §1.7).
import { randomUUID } from 'node:crypto';

export class Client {
  /** @param {string} base the server's origin */
  constructor(base) {
    this.base = base;
    this.token = '';
    this.csrf = '';
  }

  async csrfToken() {
    if (!this.csrf) {
      const res = await fetch(this.base + '/api/v1.0/session');
      await res.arrayBuffer();
      const m = /csrf_token=([^;]+)/.exec(res.headers.get('set-cookie') || '');
      if (!m) throw new Error('no csrf_token cookie from GET /api/v1.0/session');
      this.csrf = m[1];
    }
    return this.csrf;
  }

  /** The envelope of METHOD /api/v1.0{path}, whatever its errno. */
  async call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.token) {
      headers.Authorization = `Bearer ${this.token}`;
    } else if (method !== 'GET') {
      const csrf = await this.csrfToken();
      headers.Cookie = `csrf_token=${csrf}`;
      headers['X-CSRFToken'] = csrf;
    }
    const init = { method, headers };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(this.base + '/api/v1.0' + path, init);
    const text = await res.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
    }
  }

  /** The data of a call that must succeed (errno "0"). */
  async ok(method, path, body) {
    const env = await this.call(method, path, body);
    if (env.errno !== '0') throw new Error(`${method} ${path}: ${JSON.stringify(env)}`);
    return env.data;
  }

  async login(mobile, password) {
    const data = await this.ok('POST', '/session', { mobile, password });
    this.token = data.token;
    return data;
  }

  /**
   * Registers mobile (captcha and SMS code read through admin, an Admin of
   * lib/server.mjs) and logs in; returns a logged-in client.
   */
  static async register(base, admin, mobile, password) {
    const c = new Client(base);
    const cur = randomUUID();
    const pic = await fetch(`${base}/api/v1.0/imagecode?cur=${cur}`);
    await pic.arrayBuffer();
    if (!pic.ok) throw new Error(`GET /imagecode: HTTP ${pic.status}`);
    await c.ok('POST', '/smscode', { mobile, image_code_id: cur, image_code: await admin.captchaCode(cur) });
    await c.ok('POST', '/user', { mobile, phonecode: await admin.smsCode(mobile), password });
    await c.login(mobile, password);
    return c;
  }
}
