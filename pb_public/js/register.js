import { post, ERR } from './api.js';
import {
  $, newId, param, safeNext, showMsg, busy, formError, fieldError, clearFormErrors,
} from './ui.js';

const form = $('#reg-form');
const captcha = $('#captcha');
const smsBtn = $('#sms-btn');
const smsMsg = $('#sms-msg');
const MOBILE = /^1[3-9]\d{9}$/;
let captchaId = '';

/** Shows a new captcha picture; the previous id is discarded on the server. */
function refreshCaptcha() {
  const pre = captchaId;
  captchaId = newId();
  captcha.src = `/api/v1.0/imagecode?cur=${captchaId}` + (pre ? `&pre=${pre}` : '');
  form.image_code.value = '';
}

let countdown = 0;
function startCountdown(seconds) {
  countdown = seconds;
  smsBtn.dataset.keepDisabled = '1';
  smsBtn.disabled = true;
  const tick = () => {
    if (countdown <= 0) {
      delete smsBtn.dataset.keepDisabled;
      smsBtn.disabled = false;
      smsBtn.textContent = '获取验证码';
      return;
    }
    smsBtn.textContent = `${countdown}秒后重新获取`;
    countdown -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

async function sendSMS() {
  clearFormErrors(form);
  showMsg(smsMsg, '');
  const mobile = form.mobile.value.trim();
  const code = form.image_code.value.trim();
  if (!MOBILE.test(mobile)) return fieldError(form, 'mobile', '请输入正确的11位手机号');
  if (!code) return fieldError(form, 'image_code', '请输入图片验证码');
  await busy(smsBtn, async () => {
    const env = await post('/smscode/', { mobile, image_code_id: captchaId, image_code: code });
    // The captcha is single-use, right or wrong: show a fresh one.
    refreshCaptcha();
    if (env.errno === ERR.OK) {
      showMsg(smsMsg, env.errmsg === 'OK' ? '验证码已发送' : `${env.errmsg}，请查收短信`, 'ok');
      startCountdown(60);
      form.phonecode.focus();
      return;
    }
    const field = env.errno === ERR.NODATA || env.errno === ERR.DATAERR ? 'image_code'
      : env.errno === ERR.DATAEXIST ? 'mobile' : null;
    if (field) fieldError(form, field, env.errmsg);
    else showMsg(smsMsg, env.errmsg, 'error');
  }, '发送中…');
}

async function register(ev) {
  ev.preventDefault();
  clearFormErrors(form);
  const mobile = form.mobile.value.trim();
  const phonecode = form.phonecode.value.trim();
  const password = form.password.value;
  const password2 = form.password2.value;
  if (!MOBILE.test(mobile)) return fieldError(form, 'mobile', '请输入正确的11位手机号');
  if (!/^\d{4,8}$/.test(phonecode)) return fieldError(form, 'phonecode', '请输入短信验证码');
  if ([...password].length < 8 || [...password].length > 72) return fieldError(form, 'password', '密码长度为 8–72 个字符');
  if (password !== password2) return fieldError(form, 'password2', '两次输入的密码不一致');
  const btn = form.querySelector('button[type=submit]');
  await busy(btn, async () => {
    const env = await post('/user', { mobile, phonecode, password, password2 });
    if (env.errno === ERR.OK) {
      btn.dataset.keepDisabled = '1';
      location.assign(safeNext(param('next')));
      return;
    }
    if (env.errno === ERR.DATAERR || env.errno === ERR.NODATA) fieldError(form, 'phonecode', env.errmsg);
    else if (env.errno === ERR.DATAEXIST) fieldError(form, 'mobile', env.errmsg);
    else formError(form, env);
  }, '注册中…');
}

function init() {
  const next = param('next');
  if (next) {
    for (const a of [$('#login-link'), $('#login-link2')]) a.href = 'login.html?next=' + encodeURIComponent(safeNext(next));
  }
  refreshCaptcha();
  $('#captcha-btn').addEventListener('click', refreshCaptcha);
  smsBtn.addEventListener('click', sendSMS);
  form.addEventListener('submit', register);
}

init();
