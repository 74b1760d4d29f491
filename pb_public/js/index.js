import { get, currentUser, areas, ERR } from './api.js';
import { $, el, img, thumb, today, validDate, fillAreas, fieldError, clearFormErrors, pageError } from './ui.js';

async function showUser() {
  const user = await currentUser();
  const box = $('#userbox');
  if (user) {
    box.replaceChildren(
      el('span', { class: 'muted' }, '您好，'),
      el('a', { href: 'my.html', id: 'user-name' }, user.name),
    );
  }
}

async function showPicks() {
  const slides = $('#slides');
  const dots = $('#dots');
  const env = await get('/houses/index', { auth: false });
  if (env.errno !== ERR.OK) {
    slides.replaceChildren(el('p', { class: 'loading', role: 'alert' }, env.errmsg));
    return;
  }
  const picks = env.data || [];
  if (!picks.length) {
    $('#carousel').classList.add('empty-carousel');
    slides.replaceChildren(el('p', {}, '暂无推荐房源，快来发布第一套吧'));
    return;
  }
  slides.replaceChildren(...picks.map((h, i) => el('a', {
    class: 'slide', href: `detail.html?id=${h.house_id}`,
    'aria-label': `第${i + 1}套，共${picks.length}套：${h.title}`,
  }, img(thumb(h.img_url, '640x400'), h.title), el('span', { class: 'caption' }, h.title))));

  let current = 0;
  const go = (i) => {
    current = (i + picks.length) % picks.length;
    slides.scrollTo({ left: current * slides.clientWidth });
    mark();
  };
  const mark = () => dots.querySelectorAll('button').forEach((b, j) => b.setAttribute('aria-current', String(j === current)));
  if (picks.length > 1) {
    dots.replaceChildren(...picks.map((h, i) => el('button', {
      type: 'button', 'aria-label': `显示第${i + 1}套`, onclick: () => { go(i); restart(); },
    })));
    mark();
    slides.addEventListener('scroll', () => {
      const i = Math.round(slides.scrollLeft / Math.max(1, slides.clientWidth));
      if (i !== current) { current = i; mark(); }
    }, { passive: true });
    let timer;
    const restart = () => {
      clearInterval(timer);
      if (!matchMedia('(prefers-reduced-motion: reduce)').matches) timer = setInterval(() => go(current + 1), 5000);
    };
    restart();
    slides.addEventListener('pointerdown', () => clearInterval(timer));
  }
}

async function setupSearch() {
  const form = $('#search-form');
  const t = today();
  form.sd.min = t;
  form.ed.min = t;
  form.sd.addEventListener('change', () => {
    if (validDate(form.sd.value)) {
      form.ed.min = form.sd.value;
      if (form.ed.value && form.ed.value < form.sd.value) form.ed.value = form.sd.value;
    }
  });
  try {
    fillAreas(form.aid, await areas(), '', '不限区域');
  } catch (e) {
    pageError('区域加载失败：' + e.message);
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const { aid, sd, ed } = form;
    if (sd.value && sd.value < t) return fieldError(form, 'sd', '入住日期不能早于今天');
    if (sd.value && ed.value && ed.value < sd.value) return fieldError(form, 'ed', '离开日期不能早于入住日期');
    const q = new URLSearchParams();
    if (aid.value) q.set('aid', aid.value);
    if (sd.value) q.set('sd', sd.value);
    if (ed.value) q.set('ed', ed.value);
    location.assign('search.html' + (q.toString() ? '?' + q : ''));
  });
}

showUser();
showPicks();
setupSearch();
