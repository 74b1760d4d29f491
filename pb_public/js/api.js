// The one place that talks to /api/v1.0 (API.md): JSON or multipart bodies,
// the X-CSRFToken header taken from the csrf_token cookie on every unsafe
// request, and the envelope {errno, errmsg, data} returned as is. A 4101
// (not logged in) sends the browser to login.html?next=<this page>.

export const API_BASE = '/api/v1.0';

export const ERR = {
  OK: '0', DBERR: '4001', NODATA: '4002', DATAEXIST: '4003', DATAERR: '4004',
  SESSIONERR: '4101', LOGINERR: '4102', PARAMERR: '4103', USERERR: '4104',
  ROLEERR: '4105', PWDERR: '4106', REQERR: '4201', IPERR: '4202',
  THIRDERR: '4301', IOERR: '4302', SERVERERR: '4500', UNKOWNERR: '4501',
};

/** The value of cookie name, or "". */
export function getCookie(name) {
  for (const part of document.cookie.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return '';
}

/** The login page URL that comes back to the current page afterwards. */
export function loginUrl(next = location.pathname + location.search) {
  return 'login.html?next=' + encodeURIComponent(next);
}

/** Sends the browser to the login page (once). */
export function goLogin() {
  if (!/\/login\.html$/.test(location.pathname)) location.assign(loginUrl());
}

/**
 * Calls the API and returns its envelope.
 * @param {string} method  GET, POST, PUT, DELETE
 * @param {string} path    relative to /api/v1.0, e.g. "/houses?p=2"
 * @param {object|FormData} [body]  JSON-encoded unless it is a FormData (multipart)
 * @param {{auth?: boolean}} [opts] auth:false keeps a 4101 from redirecting to the login page
 * @returns {Promise<{errno: string, errmsg: string, data?: any}>}
 */
export async function api(method, path, body, opts = {}) {
  const { auth = true } = opts;
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD') {
    let token = getCookie('csrf_token');
    if (!token) {
      // Any response sets the cookie; a page served from elsewhere may lack it.
      await fetch(API_BASE + '/session', { credentials: 'same-origin' }).catch(() => {});
      token = getCookie('csrf_token');
    }
    headers['X-CSRFToken'] = token;
  }
  if (body instanceof FormData) {
    init.body = body; // the browser sets the multipart boundary
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let env;
  try {
    const res = await fetch(API_BASE + path, init);
    const type = res.headers.get('Content-Type') || '';
    if (type.includes('application/json')) {
      env = await res.json();
    } else {
      env = { errno: res.ok ? ERR.UNKOWNERR : String(res.status), errmsg: `服务器返回了意外的内容 (HTTP ${res.status})` };
    }
  } catch (err) {
    env = { errno: 'NETERR', errmsg: '网络连接失败，请检查网络后重试' };
  }
  if (typeof env !== 'object' || env === null || typeof env.errno !== 'string') {
    env = { errno: ERR.UNKOWNERR, errmsg: '未知错误' };
  }
  if (!env.errmsg) env.errmsg = env.errno === ERR.OK ? 'OK' : '请求失败';
  if (env.errno === ERR.SESSIONERR && auth) goLogin();
  return env;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body, opts) => api('POST', path, body, opts);
export const put = (path, body, opts) => api('PUT', path, body, opts);
export const del = (path, body, opts) => api('DELETE', path, body, opts);

/** The logged-in user {user_id, name}, or null (never redirects). */
export async function currentUser() {
  const env = await get('/session', { auth: false });
  return env.errno === ERR.OK ? env.data : null;
}

/** Cached GET of a list that rarely changes (areas, facilities) for this page view. */
const cache = new Map();
export function cachedList(path) {
  if (!cache.has(path)) {
    cache.set(path, get(path, { auth: false }).then((env) => {
      if (env.errno !== ERR.OK) { cache.delete(path); throw new Error(env.errmsg); }
      return env.data || [];
    }));
  }
  return cache.get(path);
}
export const areas = () => cachedList('/areas');
export const facilities = () => cachedList('/facilities');
