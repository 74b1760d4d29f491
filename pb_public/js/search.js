import { get, areas, ERR } from './api.js';
import {
  $, el, img, thumb, houseCard, param, today, validDate, fillAreas, fieldError, clearFormErrors,
  AVATAR_PLACEHOLDER,
} from './ui.js';

const form = $('#filters');
const results = $('#results');
const more = $('#more');
const SORTS = ['new', 'booking', 'price-inc', 'price-des'];

// The search being shown: its filters and how far it has been paged.
let state = { aid: '', sd: '', ed: '', sk: 'new', page: 0, totalPage: 0, loading: false, seq: 0 };

function item(h) {
  return houseCard(h, [
    el('p', { class: 'meta' }, `${h.area_name} · ${h.room_count}间出租 · 已预订${h.order_count}次`),
    el('p', { class: 'meta' }, h.address),
  ], img(thumb(h.user_avatar, '100x100'), '房东头像', 'avatar', AVATAR_PLACEHOLDER));
}

async function load() {
  if (state.loading) return;
  state.loading = true;
  const seq = state.seq;
  const next = state.page + 1;
  const q = new URLSearchParams({ sk: state.sk, p: String(next) });
  if (state.aid) q.set('aid', state.aid);
  if (state.sd) q.set('sd', state.sd);
  if (state.ed) q.set('ed', state.ed);
  const filter = form.querySelector('button[type=submit]');
  more.disabled = true;
  filter.disabled = true;
  more.textContent = '加载中…';
  const env = await get('/houses?' + q, { auth: false });
  if (seq !== state.seq) return; // filters changed meanwhile
  state.loading = false;
  more.disabled = false;
  filter.disabled = false;
  more.textContent = '加载更多';
  if (env.errno !== ERR.OK) {
    $('#load-error').textContent = env.errmsg;
    more.hidden = state.page === 0;
    return;
  }
  $('#load-error').textContent = '';
  const { houses = [], total_page: totalPage = 0 } = env.data || {};
  state.page = next;
  state.totalPage = totalPage;
  results.append(...houses.map(item));
  const shown = results.children.length;
  $('#empty').hidden = shown > 0;
  $('#summary').textContent = shown ? `已显示 ${shown} 套房源（第 ${Math.min(state.page, totalPage)}/${totalPage} 页）` : '';
  const done = state.page >= totalPage;
  more.hidden = done;
  $('#end').hidden = !done || shown === 0;
}

function start() {
  state = { ...state, page: 0, totalPage: 0, loading: false, seq: state.seq + 1 };
  results.replaceChildren();
  $('#empty').hidden = true;
  $('#end').hidden = true;
  more.hidden = true;
  $('#summary').textContent = '搜索中…';
  const q = new URLSearchParams();
  for (const k of ['aid', 'sd', 'ed']) if (state[k]) q.set(k, state[k]);
  if (state.sk !== 'new') q.set('sk', state.sk);
  history.replaceState(null, '', 'search.html' + (q.toString() ? '?' + q : ''));
  return load();
}

function readForm() {
  clearFormErrors(form);
  const t = today();
  const sd = form.sd.value;
  const ed = form.ed.value;
  if (sd && sd < t) { fieldError(form, 'sd', '入住日期不能早于今天'); return false; }
  if (sd && ed && ed < sd) { fieldError(form, 'ed', '离开日期不能早于入住日期'); return false; }
  Object.assign(state, { aid: form.aid.value, sd, ed, sk: form.sk.value });
  return true;
}

async function init() {
  const t = today();
  form.sd.min = t;
  form.ed.min = t;
  const aid = /^\d+$/.test(param('aid')) ? param('aid') : '';
  const sd = validDate(param('sd')) ? param('sd') : '';
  const ed = validDate(param('ed')) ? param('ed') : '';
  const sk = SORTS.includes(param('sk')) ? param('sk') : 'new';
  form.sd.value = sd;
  form.ed.value = ed;
  form.sk.value = sk;
  Object.assign(state, { aid, sd, ed, sk });
  try {
    fillAreas(form.aid, await areas(), aid, '不限区域');
  } catch (e) {
    $('#load-error').textContent = '区域加载失败：' + e.message;
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (readForm()) start();
  });
  form.sk.addEventListener('change', () => { if (readForm()) start(); });
  form.aid.addEventListener('change', () => { if (readForm()) start(); });
  form.sd.addEventListener('change', () => {
    if (validDate(form.sd.value)) form.ed.min = form.sd.value;
  });
  $('#reset').addEventListener('click', () => {
    form.reset();
    form.aid.value = '';
    if (readForm()) start();
  });
  more.addEventListener('click', load);
  await start();
}

init();
