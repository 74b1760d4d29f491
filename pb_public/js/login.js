import { post, ERR } from './api.js';
import { $, param, safeNext, busy, formError, fieldError, clearFormErrors } from './ui.js';

const form = $('#login-form');
const next = param('next');

if (next) {
  $('#need-login').hidden = false;
  for (const a of [$('#reg-link'), $('#reg-link2')]) a.href = 'register.html?next=' + encodeURIComponent(safeNext(next));
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const mobile = form.mobile.value.trim();
  const password = form.password.value;
  if (!/^1[3-9]\d{9}$/.test(mobile)) return fieldError(form, 'mobile', '请输入正确的11位手机号');
  if (!password) return fieldError(form, 'password', '请输入密码');
  const btn = form.querySelector('button[type=submit]');
  await busy(btn, async () => {
    const env = await post('/session', { mobile, password });
    if (env.errno === ERR.OK) {
      btn.dataset.keepDisabled = '1';
      location.assign(safeNext(next));
      return;
    }
    formError(form, env);
  }, '登录中…');
});
