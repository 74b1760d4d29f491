// The notifications bell in the page header (API.md §8.3): a link to
// notifications.html with the number of unread notifications, shown to
// logged-in users on every page that has a header. It refreshes when the
// page comes back into view, every minute while visible, and when a page
// says the count changed (the "ihome:notifications" event).
import { get, ERR } from './api.js';
import { $, el } from './ui.js';

let bell = null;

function place() {
  if (location.pathname.endsWith('/notifications.html')) return null; // the page itself shows them
  const topbar = $('header.topbar');
  const brandbar = $('header.brandbar');
  if (!topbar && !brandbar) return null;
  const node = el('a', { class: 'bell', id: 'notify-bell', href: 'notifications.html', hidden: true },
    el('img', { class: 'bell-icon', src: 'img/bell.svg', alt: '' }),
    el('span', { class: 'bell-label' }, '消息'),
    el('span', { class: 'badge', id: 'notify-badge', hidden: true }));
  if (topbar) topbar.insertBefore(node, $('.side', topbar));
  else brandbar.insertBefore(node, $('#userbox', brandbar));
  return node;
}

/** Shows unread (a number) on the bell; hides the bell for guests (null). */
function show(unread) {
  if (!bell) return;
  bell.hidden = unread === null;
  const badge = $('#notify-badge', bell);
  badge.hidden = !unread;
  badge.textContent = unread > 99 ? '99+' : String(unread || 0);
  bell.setAttribute('aria-label', unread ? `消息通知，${unread}条未读` : '消息通知');
}

/** Reads the unread count again. */
export async function refreshBell() {
  const env = await get('/notifications', { auth: false });
  show(env.errno === ERR.OK ? env.data.unread : null);
}

bell = place();
if (bell) {
  refreshBell();
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') refreshBell();
  });
  setInterval(() => {
    if (document.visibilityState === 'visible') refreshBell();
  }, 60000);
  document.addEventListener('ihome:notifications', (ev) => {
    if (ev.detail && typeof ev.detail.unread === 'number') show(ev.detail.unread);
    else refreshBell();
  });
}
