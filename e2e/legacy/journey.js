// A stand-in for an existing iHome front-end (API.md §9), for the browser
// journeys of the --compat profiles: it makes the calls of one family of
// pages (flask.js or home/gocourse.js), in their shapes, behind a plain
// form the test fills in like a person would. Unlike those pages it shows
// every failure (errno and errmsg), so that a broken step fails the test
// instead of doing nothing.

/** The csrf_token cookie, read the way those pages read it (§9.3). */
function csrfToken() {
  const r = document.cookie.match('\\bcsrf_token=([^;]*)\\b');
  return r ? r[1] : undefined;
}

const $ = (sel) => document.querySelector(sel);

function field(label, id, type = 'text') {
  return `<label>${label} <input id="${id}" type="${type}"></label>`;
}

function button(label, action) {
  return `<button type="button" data-action="${action}">${label}</button>`;
}

const MARKUP = `
<section><h2>账号</h2>
  ${field('手机号', 'mobile', 'tel')}
  <img id="captcha" alt="图片验证码图片">
  ${field('图片验证码', 'captcha-code')}
  ${button('获取短信验证码', 'sms')}
  ${field('短信验证码', 'sms-code')}
  ${field('密码', 'password', 'password')}
  ${button('注册', 'register')} ${button('登录', 'login')} ${button('退出', 'logout')} ${button('我的信息', 'me')}
  <p id="me"></p>
</section>
<section><h2>个人资料</h2>
  ${field('用户名', 'name')} ${button('保存用户名', 'rename')}
  ${field('头像', 'avatar', 'file')} ${button('上传头像', 'avatar')} <img id="avatar-img" alt="头像图片" hidden>
  ${field('真实姓名', 'real-name')} ${field('身份证号', 'id-card')} ${button('实名认证', 'auth')}
  <p id="auth"></p>
</section>
<section><h2>发布房源</h2>
  ${field('房屋标题', 'title')} ${field('每晚价格', 'price')} ${field('押金', 'deposit')}
  ${button('发布房源', 'publish')} <p id="house-id"></p>
  ${field('房屋图片', 'house-image', 'file')} ${button('上传图片', 'image')}
  ${button('我的房源', 'myhouses')} <ul id="myhouses"></ul>
</section>
<section><h2>找房</h2>
  ${button('首页推荐', 'index')} <ul id="index"></ul>
  ${field('入住日期', 'sd', 'date')} ${field('离开日期', 'ed', 'date')} ${button('搜索', 'search')}
  <ul id="houses"></ul>
  <div id="detail"></div>
  ${button('预订', 'book')}
</section>
<section><h2>订单</h2>
  ${button('我的订单', 'custom')} ${button('客户订单', 'landlord')}
  ${field('拒单原因', 'reason')} ${field('评价内容', 'comment')}
  <ul id="orders"></ul>
</section>
<p id="msg" role="status"></p>`;

/**
 * Builds the page and wires it to family: {title, captchaURL(id),
 * smsURL(mobile, code, id), register(mobile, sms, password), login,
 * rename(name), avatar(formData), realName, publish(house), image(houseId,
 * formData), orders(role), answer(orderId, action, reason),
 * comment(orderId, text), indexList(data), money(v) → yuan}. Each call
 * function answers [method, url, body]; a FormData body goes as multipart,
 * any other as JSON, exactly as those pages send it.
 */
export function mount(family) {
  document.title = family.title;
  document.body.innerHTML = `<h1>${family.title}</h1>` + MARKUP;
  let captchaId = '';
  let houseId = '';
  let detailId = '';

  const say = (text) => { $('#msg').textContent = text; };
  const yuan = (v) => `¥${family.money(v)}`;

  function showAvatar(url) {
    $('#avatar-img').hidden = !url;
    if (url) $('#avatar-img').src = url;
  }

  function newCaptcha() {
    captchaId = crypto.randomUUID();
    $('#captcha').src = family.captchaURL(captchaId);
  }

  /** One call; the envelope on errno "0", else null after saying why. */
  async function call([method, url, body], failText = {}) {
    const init = { method, headers: {}, credentials: 'same-origin' };
    if (method !== 'GET') init.headers['X-CSRFToken'] = csrfToken();
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const resp = await (await fetch(url, init)).json();
    if (resp.errno === '0') return resp;
    if (resp.errno === '4101') say('请先登录');
    else say(failText[resp.errno] || `${resp.errno} ${resp.errmsg}`);
    return null;
  }

  function fileForm(name, input, extra = {}) {
    const form = new FormData();
    form.append(name, $(input).files[0]);
    for (const [k, v] of Object.entries(extra)) form.append(k, v);
    return form;
  }

  function houseItem(h) {
    return `<li data-house="${h.house_id}">${h.title} <span class="price">${yuan(h.price)}/晚</span>
      ${h.area_name || ''} <button type="button" data-detail="${h.house_id}">详情</button></li>`;
  }

  function orderItem(o, role) {
    let actions = '';
    if (role === 'landlord' && o.status === 'WAIT_ACCEPT') {
      actions = `<button type="button" data-answer="accept" data-order="${o.order_id}">接单</button>
        <button type="button" data-answer="reject" data-order="${o.order_id}">拒单</button>`;
    } else if (role === 'custom' && o.status === 'WAIT_COMMENT') {
      actions = `<button type="button" data-comment="${o.order_id}">评价</button>`;
    }
    return `<li data-order="${o.order_id}">${o.title} ${o.start_date}–${o.end_date} ${o.days}晚
      <span class="amount">${yuan(o.amount)}</span> <span class="status">${o.status}</span>
      <span class="comment">${o.comment || ''}</span> ${actions}</li>`;
  }

  let role = 'custom';
  const actions = {
    sms: async () => {
      const ok = await call(['GET', family.smsURL($('#mobile').value, $('#captcha-code').value, captchaId)]);
      if (ok) say('短信验证码已发送'); else newCaptcha();
    },
    register: async () => {
      if (await call(family.register($('#mobile').value, $('#sms-code').value, $('#password').value))) say('注册成功');
    },
    login: async () => {
      const ok = await call(family.login($('#mobile').value, $('#password').value));
      if (ok) say(`登录成功 ${ok.data.name}`);
    },
    logout: async () => {
      if (await call(['DELETE', '/api/v1.0/session'])) say('已退出');
    },
    me: async () => {
      const ok = await call(['GET', family.user]);
      if (!ok) return;
      $('#me').textContent = `${ok.data.name} ${ok.data.mobile}`;
      showAvatar(ok.data.avatar); // the field these pages read (§9.1)
    },
    rename: async () => {
      if (await call(family.rename($('#name').value), { 4001: '用户名已存在' })) say('用户名已保存');
    },
    avatar: async () => {
      const ok = await call(family.avatar(fileForm('avatar', '#avatar')));
      if (ok) { showAvatar(ok.data.avatar_url); say('头像已上传'); }
    },
    auth: async () => {
      if (!await call(family.realName($('#real-name').value, $('#id-card').value))) return;
      const ok = await call(['GET', family.authURL]);
      if (ok) { $('#auth').textContent = `已认证 ${ok.data.real_name}`; say('实名认证成功'); }
    },
    publish: async () => {
      const ok = await call(family.publish({
        // the form serialised as those pages do: every value a string
        title: $('#title').value, price: $('#price').value, area_id: '2', address: '鼓楼东大街1号',
        room_count: '2', acreage: '60', unit: '两室一厅', capacity: '3', beds: '双人床两张',
        deposit: $('#deposit').value, min_days: '1', max_days: '30', facility: ['1', '3', '23'],
      }));
      if (ok) { houseId = String(ok.data.house_id); $('#house-id').textContent = `房源 ${houseId} 已发布`; }
    },
    image: async () => {
      const ok = await call(family.image(houseId, fileForm('house_image', '#house-image')));
      if (ok) say(`图片已上传 ${ok.data.image_url || ok.data.url}`);
    },
    myhouses: async () => {
      const ok = await call(['GET', '/api/v1.0/user/houses']);
      if (ok) $('#myhouses').innerHTML = ok.data.houses.map(houseItem).join('');
    },
    index: async () => {
      const ok = await call(['GET', family.indexURL]);
      if (ok) $('#index').innerHTML = family.indexList(ok.data).map((h) => `<li>${h.title}</li>`).join('');
    },
    search: async () => {
      const q = new URLSearchParams({ aid: '', sd: $('#sd').value, ed: $('#ed').value, sk: 'new', p: '1' });
      const ok = await call(['GET', `/api/v1.0/houses?${q}`]);
      if (!ok) return;
      $('#houses').innerHTML = ok.data.houses.map(houseItem).join('');
      say(`找到 ${ok.data.houses.length} 套`);
    },
    book: async () => {
      const body = { house_id: detailId, start_date: $('#sd').value, end_date: $('#ed').value };
      const ok = await call(['POST', '/api/v1.0/orders', body], { 4004: '房间已被抢定，请重新选择日期！' });
      if (ok) say(`下单成功 ${ok.data.order_id}`);
    },
    custom: () => listOrders('custom'),
    landlord: () => listOrders('landlord'),
  };

  async function listOrders(r) {
    role = r;
    const ok = await call(family.orders(r));
    if (ok) $('#orders').innerHTML = ok.data.orders.map((o) => orderItem(o, r)).join('') || '<li>暂无订单</li>';
  }

  async function showDetail(id) {
    const ok = await call(['GET', `/api/v1.0/houses/${id}`]);
    if (!ok) return;
    const h = ok.data.house;
    detailId = String(h.hid);
    $('#detail').innerHTML = `<h3>${h.title}</h3><p class="price">${yuan(h.price)}/晚</p>
      <p class="deposit">押金 ${yuan(h.deposit)}</p><p>${h.img_urls.length} 张图片</p>`;
  }

  document.body.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button');
    if (!b) return;
    if (b.dataset.action) await actions[b.dataset.action]();
    else if (b.dataset.detail) await showDetail(b.dataset.detail);
    else if (b.dataset.answer) {
      const ok = await call(family.answer(b.dataset.order, b.dataset.answer, $('#reason').value));
      if (ok) { say(b.dataset.answer === 'accept' ? '已接单' : '已拒单'); await listOrders(role); }
    } else if (b.dataset.comment) {
      if (await call(family.comment(b.dataset.comment, $('#comment').value))) { say('评价成功'); await listOrders(role); }
    }
  });
  newCaptcha();
}
