// Page helpers: DOM building (text only, never HTML from the server),
// money and date formatting, form state and error display.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/**
 * Builds an element. attrs: class, text, html is not supported on purpose;
 * on* keys add listeners, dataset sets data-*, anything else is an attribute
 * (false/null/undefined skip it). Children: nodes or strings (as text).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A query parameter of the page URL ("" when absent). */
export function param(name) {
  return new URLSearchParams(location.search).get(name) || '';
}

/** A positive integer id from the query, or 0. */
export function idParam(name) {
  const s = param(name);
  return /^[1-9]\d{0,15}$/.test(s) ? Number(s) : 0;
}

/** Fen (integer) → yuan text: 29900 → "299", 29950 → "299.50". */
export function yuan(fen) {
  const n = Math.round(Number(fen) || 0);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  const whole = Math.floor(a / 100);
  const cents = a % 100;
  return sign + (cents ? `${whole}.${String(cents).padStart(2, '0')}` : String(whole));
}

/** Appends ?thumb=WxH to a file URL; "" stays "". */
export function thumb(url, size) {
  if (!url) return '';
  return url + (url.includes('?') ? '&' : '?') + 'thumb=' + size;
}

export const HOUSE_PLACEHOLDER = 'img/house.svg';
export const AVATAR_PLACEHOLDER = 'img/avatar.svg';

/** Today (YYYY-MM-DD) in the service's time zone, Asia/Shanghai. */
export function today() {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
  }).formatToParts(new Date());
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function validDate(s) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(s + 'T00:00:00Z');
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** s plus n calendar days. */
export function addDays(s, n) {
  const d = new Date(s + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Days of an inclusive stay: 2017-11-14 → 2017-11-15 is 2; 0 when invalid. */
export function stayDays(start, end) {
  if (!validDate(start) || !validDate(end) || end < start) return 0;
  return Math.round((Date.parse(end + 'T00:00:00Z') - Date.parse(start + 'T00:00:00Z')) / 86400000) + 1;
}

export const STATUS_LABELS = {
  WAIT_ACCEPT: '待接单',
  WAIT_PAYMENT: '待支付',
  PAID: '已支付',
  WAIT_COMMENT: '待评价',
  COMPLETE: '已完成',
  CANCELED: '已取消',
  REJECTED: '已拒单',
};
export const statusLabel = (s) => STATUS_LABELS[s] || s;

/** The cancellation policies of API.md §6.4, as guests read them. */
export const CANCEL_POLICIES = {
  flexible: '灵活：入住前一天及以前取消全额退款，入住当天取消不退款',
  moderate: '适中：入住前 5 天及以前取消全额退款，之后取消退 50%',
  strict: '严格：入住前 7 天及以前取消退 50%，之后取消不退款',
};

/**
 * Where to go after logging in: raw (the ?next= of login and register
 * pages) as a path on this site, or the home page. The browser's own URL
 * parser decides, the one location.assign uses: it drops tabs and newlines
 * and reads a backslash as "/", so "/\t/evil.example" means "//evil.example".
 * Only a same-origin URL whose path starts with a single "/" is kept, and
 * only its path, query and fragment are returned.
 */
export function safeNext(raw) {
  if (typeof raw !== 'string' || !raw || /[\u0000-\u001f\u007f\\]/.test(raw)) return './';
  let url;
  try {
    url = new URL(raw, location.origin);
  } catch {
    return './';
  }
  if (url.origin !== location.origin || !/^\/(?!\/)/.test(url.pathname)) return './';
  return url.pathname + url.search + url.hash;
}

/** Shows text in a message node; kind "error" or "ok". Empty text hides it. */
export function showMsg(node, text, kind = 'error') {
  if (!node) return;
  node.textContent = text || '';
  node.classList.toggle('error', kind === 'error');
  node.classList.toggle('ok', kind === 'ok');
}

/**
 * Runs fn with button disabled (aria-busy) and its label replaced by
 * busyText, restoring both afterwards.
 */
export async function busy(button, fn, busyText) {
  if (!button) return fn();
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  if (busyText) button.textContent = busyText;
  try {
    return await fn();
  } finally {
    button.removeAttribute('aria-busy');
    if (busyText) button.textContent = label;
    if (!button.dataset.keepDisabled) button.disabled = false;
  }
}

/**
 * Displays a failed envelope on a form: the server's errmsg in the form's
 * [data-form-error] node and, when the message names a field
 * ("参数错误: price"), next to that field too.
 */
export function formError(form, env) {
  clearFormErrors(form);
  const box = form.querySelector('[data-form-error]');
  const m = /[:：]\s*([a-z_]+)\s*$/.exec(env.errmsg || '');
  const name = m ? m[1] : '';
  const slot = name && form.querySelector(`[data-error-for="${name}"]`);
  if (slot) slot.textContent = env.errmsg;
  else showMsg(box, env.errmsg, 'error');
  const field = name && form.elements.namedItem(name);
  const input = field && (field instanceof RadioNodeList ? field[0] : field);
  if (input && input.classList) {
    markInvalid(form, input, name);
    input.focus();
  }
}

/** A client-side check failed: message next to the field and on the form. */
export function fieldError(form, name, text) {
  clearFormErrors(form);
  const input = form.elements.namedItem(name);
  const slot = form.querySelector(`[data-error-for="${name}"]`);
  if (slot) slot.textContent = text;
  else showMsg(form.querySelector('[data-form-error]'), text, 'error');
  if (input && input.classList) {
    markInvalid(form, input, name);
    input.focus();
  }
}

/** Marks input invalid until it is next edited. */
function markInvalid(form, input, name) {
  input.classList.add('invalid');
  input.setAttribute('aria-invalid', 'true');
  input.addEventListener('input', () => {
    input.classList.remove('invalid');
    input.removeAttribute('aria-invalid');
    const slot = form.querySelector(`[data-error-for="${name}"]`);
    if (slot) slot.textContent = '';
  }, { once: true });
}

export function clearFormErrors(form) {
  showMsg(form.querySelector('[data-form-error]'), '');
  for (const s of form.querySelectorAll('[data-error-for]')) s.textContent = '';
  for (const i of form.querySelectorAll('.invalid')) {
    i.classList.remove('invalid');
    i.removeAttribute('aria-invalid');
  }
}

/** A fresh random id for the image captcha (works without a secure context). */
export function newId() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** An <img> with a fallback picture when the URL is empty or fails to load. */
export function img(src, alt, cls, fallback = HOUSE_PLACEHOLDER) {
  const node = el('img', { src: src || fallback, alt, class: cls, loading: 'lazy' });
  node.addEventListener('error', () => {
    if (!node.src.endsWith(fallback)) node.src = fallback;
  }, { once: true });
  return node;
}

/** Fills a <select> with the areas; keeps `selected` selected. */
export function fillAreas(select, list, selected, emptyLabel) {
  select.replaceChildren();
  if (emptyLabel !== undefined) select.append(el('option', { value: '' }, emptyLabel));
  for (const a of list) {
    select.append(el('option', { value: a.aid, selected: String(a.aid) === String(selected) }, a.aname));
  }
}

/** Puts the page-level error (e.g. a failed load) at the top of main. */
export function pageError(text) {
  let box = $('#page-error');
  if (!box) {
    box = el('p', { id: 'page-error', class: 'msg error card', role: 'alert' });
    ($('main') || document.body).prepend(box);
  }
  box.textContent = text;
}

/**
 * A house in a list: its cover picture and price, its title linking to the
 * detail page, the given lines under the title, and an optional aside.
 */
export function houseCard(h, lines, aside) {
  const href = `detail.html?id=${h.house_id}`;
  return el('li', { class: 'house-item' },
    el('a', { class: 'cover', href },
      img(thumb(h.img_url, '320x200'), `${h.title}的图片`, 'pic'),
      el('span', { class: 'price-tag' }, `¥${yuan(h.price)}/晚`)),
    el('div', { class: 'body' },
      el('div', { class: 'info' },
        el('h3', {}, el('a', { href, style: 'color:inherit' }, h.title)),
        ...lines),
      aside));
}

// Every page with a header shows the notifications bell (bell.js, API.md §8.3).
import('./bell.js');
