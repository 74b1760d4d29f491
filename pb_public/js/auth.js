import { get, post, ERR } from './api.js';
import { $, busy, formError, fieldError, clearFormErrors, pageError } from './ui.js';

/** GB 11643 check character of an 18-character number. */
function idCardOK(s) {
  if (!/^\d{17}[\dXx]$/.test(s)) return false;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * w[i];
  return '10X98765432'[sum % 11] === s[17].toUpperCase();
}

function maskCard(s) {
  return s.length === 18 ? s.slice(0, 6) + '********' + s.slice(14) : s;
}

function showVerified(realName, idCard) {
  $('#v-name').textContent = realName;
  $('#v-card').textContent = maskCard(idCard);
  $('#auth-form').hidden = true;
  $('#verified').hidden = false;
}

async function init() {
  const env = await get('/user/auth');
  if (env.errno === ERR.SESSIONERR) return;
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    pageError(env.errmsg);
    return;
  }
  if (env.data.real_name && env.data.id_card) {
    showVerified(env.data.real_name, env.data.id_card);
    return;
  }
  const form = $('#auth-form');
  form.hidden = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const realName = form.real_name.value.trim();
    const idCard = form.id_card.value.trim().toUpperCase();
    if ([...realName].length < 2) return fieldError(form, 'real_name', '请输入真实姓名（至少 2 个字）');
    if (!idCardOK(idCard)) return fieldError(form, 'id_card', '身份证号格式或校验位不正确');
    await busy(form.querySelector('button[type=submit]'), async () => {
      const res = await post('/user/auth', { real_name: realName, id_card: idCard });
      if (res.errno === ERR.OK) {
        // Read back what the server stored.
        const again = await get('/user/auth');
        if (again.errno === ERR.OK && again.data.real_name) showVerified(again.data.real_name, again.data.id_card);
        else showVerified(realName, idCard);
      } else if (res.errno !== ERR.SESSIONERR) {
        formError(form, res);
      }
    }, '提交中…');
  });
}

init();
