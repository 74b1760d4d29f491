import { get, post, ERR } from './api.js';
import { $, thumb, busy, showMsg, formError, fieldError, clearFormErrors, pageError, AVATAR_PLACEHOLDER } from './ui.js';

const MAX_AVATAR = 5 << 20;

async function init() {
  const env = await get('/user');
  if (env.errno === ERR.SESSIONERR) return;
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    pageError(env.errmsg);
    return;
  }
  const preview = $('#avatar-preview');
  preview.src = thumb(env.data.avatar_url, '100x100') || AVATAR_PLACEHOLDER;
  const nameForm = $('#name-form');
  nameForm.name.value = env.data.name;
  $('#content').hidden = false;

  const avatarForm = $('#avatar-form');
  let objectURL = '';
  avatarForm.avatar.addEventListener('change', () => {
    clearFormErrors(avatarForm);
    showMsg($('#avatar-ok'), '');
    const file = avatarForm.avatar.files[0];
    if (objectURL) URL.revokeObjectURL(objectURL);
    objectURL = '';
    if (!file) return;
    if (!file.type.startsWith('image/')) return fieldError(avatarForm, 'avatar', '请选择图片文件');
    objectURL = URL.createObjectURL(file);
    preview.src = objectURL;
    preview.alt = '新头像预览（尚未上传）';
  });
  avatarForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(avatarForm);
    showMsg($('#avatar-ok'), '');
    const file = avatarForm.avatar.files[0];
    if (!file) return fieldError(avatarForm, 'avatar', '请先选择一张图片');
    if (file.size > MAX_AVATAR) return fieldError(avatarForm, 'avatar', '图片不能超过 5MB');
    const fd = new FormData();
    fd.append('avatar', file);
    await busy(avatarForm.querySelector('button[type=submit]'), async () => {
      const res = await post('/user/avatar', fd);
      if (res.errno === ERR.OK) {
        preview.src = thumb(res.data.avatar_url, '100x100');
        preview.alt = '我的头像';
        avatarForm.reset();
        showMsg($('#avatar-ok'), '头像已更新', 'ok');
      } else if (res.errno !== ERR.SESSIONERR) {
        formError(avatarForm, res);
      }
    }, '上传中…');
  });

  nameForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(nameForm);
    showMsg($('#name-ok'), '');
    const name = nameForm.name.value.trim();
    if (!name) return fieldError(nameForm, 'name', '请输入用户名');
    await busy(nameForm.querySelector('button[type=submit]'), async () => {
      const res = await post('/user/name', { name });
      if (res.errno === ERR.OK) showMsg($('#name-ok'), '用户名已保存', 'ok');
      else if (res.errno !== ERR.SESSIONERR) formError(nameForm, res);
    }, '保存中…');
  });
}

init();
