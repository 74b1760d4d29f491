import { get, del, ERR } from './api.js';
import { $, thumb, busy, showMsg, pageError, AVATAR_PLACEHOLDER } from './ui.js';

async function init() {
  const env = await get('/user');
  if (env.errno === ERR.SESSIONERR) return; // on the way to the login page
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    pageError(env.errmsg);
    return;
  }
  const u = env.data;
  $('#name').textContent = u.name;
  $('#mobile').textContent = u.mobile;
  $('#avatar').src = thumb(u.avatar_url, '100x100') || AVATAR_PLACEHOLDER;
  $('#content').hidden = false;

  const btn = $('#logout');
  btn.addEventListener('click', () => busy(btn, async () => {
    const res = await del('/session', undefined, { auth: false });
    if (res.errno === ERR.OK) {
      btn.dataset.keepDisabled = '1';
      location.assign('./');
      return;
    }
    showMsg($('#logout-error'), res.errmsg);
  }, '正在退出…'));
}

init();
