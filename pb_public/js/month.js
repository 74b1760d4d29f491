// A month of a house's calendar (GET /houses/{id}/calendar, API.md §7.1):
// one month at a time from today's month on, each day available or taken
// with that night's price. The detail page shows it read-only; the
// landlord's calendar page lets the days be selected (click the first day,
// then the last, across months if need be).
import { get, ERR } from './api.js';
import { el, yuan, today, addDays, showMsg } from './ui.js';

const WEEKDAYS = ['一', '二', '三', '四', '五', '六', '日'];

/** The first day (YYYY-MM-01) of the month of date. */
export function firstOfMonth(date) {
  return date.slice(0, 8) + '01';
}

/** The first day of the month n months after the month starting first. */
export function shiftMonth(first, n) {
  const d = new Date(first + 'T00:00:00Z');
  d.setUTCMonth(d.getUTCMonth() + n, 1);
  return d.toISOString().slice(0, 10);
}

export function lastOfMonth(first) {
  return addDays(shiftMonth(first, 1), -1);
}

/** "2026-07-03" → "7月3日". */
export function dayLabel(date) {
  return `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
}

/** A run of dates as short text: "7月2日至7月4日、7月9日". */
export function datesLabel(dates) {
  const runs = [];
  for (const d of [...dates].sort()) {
    const last = runs[runs.length - 1];
    if (last && addDays(last[1], 1) === d) last[1] = d;
    else runs.push([d, d]);
  }
  return runs.map(([a, b]) => (a === b ? dayLabel(a) : `${dayLabel(a)}至${dayLabel(b)}`)).join('、');
}

const monthLabel = (first) => `${Number(first.slice(0, 4))}年${Number(first.slice(5, 7))}月`;

/**
 * Renders the month view into root and returns its controller.
 * @param {HTMLElement} root
 * @param {{houseId: number, basePrice: number, selectable?: boolean, onSelect?: (sel: {start: string, end: string, done: boolean}|null) => void}} opts
 *   basePrice (fen) marks the days priced otherwise; selectable makes the
 *   days buttons; onSelect hears each change of the selection.
 */
export function monthView(root, { houseId, basePrice, selectable = false, onSelect = () => {} }) {
  const first = firstOfMonth(today());
  let month = first;
  let seq = 0;
  let sel = null; // {start, end, done}: done once the last day is clicked

  const prev = el('button', { type: 'button', class: 'secondary nav', 'aria-label': '上个月' }, '‹');
  const next = el('button', { type: 'button', class: 'secondary nav', 'aria-label': '下个月' }, '›');
  const title = el('h3', { 'aria-live': 'polite' });
  const msg = el('p', { class: 'msg error', role: 'alert' });
  const retry = el('button', { type: 'button', class: 'secondary', hidden: true }, '重试');
  const grid = el('ol', { class: 'days' });
  root.classList.add('month');
  root.replaceChildren(
    el('div', { class: 'month-head' }, prev, title, next),
    el('div', { class: 'weekdays', 'aria-hidden': 'true' }, ...WEEKDAYS.map((w) => el('span', {}, w))),
    grid,
    msg, retry,
    el('p', { class: 'legend small muted' },
      el('span', { class: 'key avail' }), '可订',
      el('span', { class: 'key taken' }), '不可订',
      el('span', { class: 'key special' }), '特别价格',
      ' · 价格为每晚（元）'),
  );

  prev.addEventListener('click', () => show(shiftMonth(month, -1)));
  next.addEventListener('click', () => show(shiftMonth(month, 1)));
  retry.addEventListener('click', () => load());

  function inSel(date) {
    return sel && date >= sel.start && date <= sel.end;
  }

  function pick(date) {
    if (!sel || sel.done) sel = { start: date, end: date, done: false };
    else if (date < sel.start) sel = { start: date, end: sel.start, done: true };
    else sel = { start: sel.start, end: date, done: true };
    paintSelection();
    onSelect(sel);
  }

  function paintSelection() {
    for (const li of grid.querySelectorAll('li[data-date]')) {
      const on = Boolean(inSel(li.dataset.date));
      li.classList.toggle('sel', on);
      const b = li.querySelector('button');
      if (b) b.setAttribute('aria-pressed', String(on));
    }
  }

  function cell(date, day, t) {
    const n = el('span', { class: 'n' }, String(Number(date.slice(8, 10))));
    if (date < t) {
      return el('li', { class: 'day past', dataset: { date } }, n);
    }
    if (!day) return el('li', { class: 'day', dataset: { date } }, n);
    const price = `¥${yuan(day.price)}`;
    const state = day.available ? '可订' : '不可订';
    const special = day.price !== basePrice;
    const cls = `day ${day.available ? 'avail' : 'taken'}${special ? ' special' : ''}`;
    const label = `${dayLabel(date)} ${state} 每晚${price}`;
    const body = [n, el('span', { class: 'p' }, price), el('span', { class: 's' }, state)];
    const li = el('li', { class: cls, dataset: { date, available: String(day.available), price: String(day.price) } });
    if (selectable) {
      li.append(el('button', { type: 'button', 'aria-label': label, 'aria-pressed': 'false', onclick: () => pick(date) }, ...body));
    } else {
      li.setAttribute('aria-label', label);
      li.append(...body);
    }
    return li;
  }

  async function load() {
    const my = ++seq;
    const t = today();
    const last = lastOfMonth(month);
    const from = month < t ? t : month;
    root.dataset.month = month;
    root.dataset.state = 'loading';
    title.textContent = monthLabel(month);
    prev.disabled = month <= first;
    showMsg(msg, '');
    retry.hidden = true;
    grid.setAttribute('aria-label', monthLabel(month));
    grid.setAttribute('aria-busy', 'true');
    const env = await get(`/houses/${houseId}/calendar?from=${from}&to=${last}`, { auth: false });
    if (my !== seq) return; // another month was asked for meanwhile
    grid.removeAttribute('aria-busy');
    const days = new Map();
    if (env.errno === ERR.OK) {
      for (const d of env.data.days || []) days.set(d.date, d);
    } else {
      showMsg(msg, `日历加载失败：${env.errmsg}`);
      retry.hidden = false;
    }
    const lead = (new Date(month + 'T00:00:00Z').getUTCDay() + 6) % 7; // Monday first
    const cells = [];
    for (let i = 0; i < lead; i++) cells.push(el('li', { class: 'blank', 'aria-hidden': 'true' }));
    for (let d = month; d <= last; d = addDays(d, 1)) cells.push(cell(d, days.get(d), t));
    grid.replaceChildren(...cells);
    paintSelection();
    root.dataset.state = env.errno === ERR.OK ? 'ready' : 'error';
  }

  function show(m) {
    month = m < first ? first : m;
    return load();
  }

  load();
  return {
    show,
    reload: load,
    get month() { return month; },
    get selection() { return sel; },
    clear() {
      sel = null;
      paintSelection();
      onSelect(null);
    },
    /** Ends the selection as it is: the next click starts a new one. */
    settle() {
      if (!sel || sel.done) return;
      sel = { ...sel, done: true };
      onSelect(sel);
    },
  };
}
