// The calls of the Flask-course iHome pages (API.md §9.1), in their shapes:
// money in fen, the user centre under /users, publish and picture upload
// under /houses/info and /houses/image (house_id as a form field).
import { mount } from './journey.js';

const api = '/api/v1.0';

mount({
  title: 'Flask 课程页面 (--compat flask)',
  captchaURL: (id) => `${api}/image_codes/${id}`,
  smsURL: (mobile, code, id) => `${api}/sms_codes/${mobile}?` + new URLSearchParams({ image_code: code, image_code_id: id }),
  register: (mobile, sms, password) => ['POST', `${api}/users`, { mobile, sms_code: sms, password, password2: password }],
  login: (mobile, password) => ['POST', `${api}/sessions`, { mobile, password }],
  user: `${api}/user`,
  rename: (name) => ['PUT', `${api}/users/name`, { name }],
  avatar: (form) => ['POST', `${api}/users/avatar`, form],
  realName: (realName, idCard) => ['POST', `${api}/users/auth`, { real_name: realName, id_card: idCard }],
  authURL: `${api}/users/auth`,
  publish: (house) => ['POST', `${api}/houses/info`, house],
  image: (houseId, form) => {
    form.append('house_id', houseId);
    return ['POST', `${api}/houses/image`, form];
  },
  indexURL: `${api}/houses/index`,
  indexList: (data) => data,
  orders: (role) => ['GET', `${api}/user/orders?role=${role}`],
  answer: (orderId, action, reason) => ['PUT', `${api}/orders/${orderId}/status`, action === 'reject' ? { action, reason } : { action }],
  comment: (orderId, comment) => ['PUT', `${api}/orders/${orderId}/comment`, { order_id: orderId, comment }],
  money: (fen) => fen / 100,
});
