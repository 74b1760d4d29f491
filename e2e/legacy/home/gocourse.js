// The calls of the Go-course iHome pages (API.md §9.2), in their shapes:
// money in yuan, the captcha and SMS code under /imagecode and /smscode,
// the user centre under /user, the home picks under /house/index.
import { mount } from '../journey.js';

const api = '/api/v1.0';

mount({
  title: 'Go 课程页面 (--compat gocourse)',
  captchaURL: (id) => `${api}/imagecode/${id}`,
  smsURL: (mobile, code, id) => `${api}/smscode/${mobile}?` + new URLSearchParams({ text: code, id }),
  register: (mobile, sms, password) => ['POST', `${api}/users`, { mobile, password, sms_code: sms }],
  login: (mobile, password) => ['POST', `${api}/sessions`, { mobile, password }],
  user: `${api}/user`,
  rename: (name) => ['PUT', `${api}/user/name`, { name }],
  avatar: (form) => ['POST', `${api}/user/avatar`, form],
  realName: (realName, idCard) => ['POST', `${api}/user/auth`, { real_name: realName, id_card: idCard }],
  authURL: `${api}/user/auth`,
  publish: (house) => ['POST', `${api}/houses`, house],
  image: (houseId, form) => ['POST', `${api}/houses/${houseId}/images`, form],
  indexURL: `${api}/house/index`,
  indexList: (data) => data.houses,
  orders: (role) => ['GET', `${api}/user/orders?role=${role}`],
  answer: (orderId, action, reason) => ['PUT', `${api}/orders/${orderId}/status`, action === 'reject' ? { action, reason } : { action }],
  comment: (orderId, comment) => ['PUT', `${api}/orders/${orderId}/comment`, { order_id: orderId, comment }],
  money: (yuan) => yuan,
});
