import { get, facilities, ERR } from './api.js';
import { $, el, img, thumb, yuan, idParam, pageError, AVATAR_PLACEHOLDER, CANCEL_POLICIES } from './ui.js';
import { monthView } from './month.js';

async function init() {
  const id = idParam('id');
  if (!id) {
    $('#loading').hidden = true;
    pageError('房屋编号有误');
    return;
  }
  const [env, facList] = await Promise.all([
    get(`/houses/${id}`, { auth: false }),
    facilities().catch(() => []),
  ]);
  $('#loading').hidden = true;
  if (env.errno !== ERR.OK) {
    pageError(env.errmsg);
    return;
  }
  const viewer = env.data.user_id;
  const h = env.data.house;
  document.title = `${h.title} - 爱家租房`;

  const gallery = $('#gallery');
  const urls = h.img_urls || [];
  if (urls.length) {
    gallery.append(...urls.map((u, i) => img(thumb(u, '640x400'), `${h.title} 第${i + 1}张图片`)));
  } else {
    gallery.append(img('', '暂无房屋图片'));
  }
  const counter = $('#counter');
  const count = Math.max(urls.length, 1);
  counter.textContent = `1/${count}`;
  gallery.addEventListener('scroll', () => {
    const i = Math.round(gallery.scrollLeft / Math.max(1, gallery.clientWidth));
    counter.textContent = `${Math.min(i + 1, count)}/${count}`;
  }, { passive: true });

  const price = `¥${yuan(h.price)}`;
  $('#price').textContent = price;
  $('#bar-price').replaceChildren(price, el('span', { class: 'unit' }, ' /晚'));
  $('#title').textContent = h.title;
  $('#address').textContent = `${h.area_name} · ${h.address}`;
  $('#bookings').textContent = `已预订 ${h.order_count} 次`;
  $('#landlord-name').textContent = h.user_name;
  const av = $('#landlord-avatar');
  av.src = thumb(h.user_avatar, '100x100') || AVATAR_PLACEHOLDER;
  av.alt = `房东${h.user_name}的头像`;

  const facts = [
    ['出租房间', `${h.room_count} 间`],
    ['房屋面积', `${h.acreage} 平米`],
    ['房屋户型', h.unit],
    ['宜住人数', `${h.capacity} 人`],
    ['卧床配置', h.beds],
    ['押金', `¥${yuan(h.deposit)}`],
    ['最少入住', `${h.min_days} 天`],
    ['最多入住', h.max_days ? `${h.max_days} 天` : '无限制'],
    ['取消政策', CANCEL_POLICIES[h.cancel_policy] || CANCEL_POLICIES.flexible],
  ];
  $('#facts').replaceChildren(...facts.map(([k, v]) => el('div', {}, el('dt', {}, k), el('dd', {}, v))));

  const names = new Map(facList.map((f) => [f.fid, f.fname]));
  const fac = h.facilities || [];
  $('#facilities').replaceChildren(...(fac.length
    ? fac.map((fid) => el('li', {}, names.get(fid) || `设施${fid}`))
    : [el('li', { class: 'muted', style: 'background:none;color:var(--muted);padding:0' }, '房东未填写配套设施')]));

  const comments = h.comments || [];
  $('#comments').replaceChildren(...(comments.length
    ? comments.map((c) => el('li', {},
      el('div', { class: 'who' }, el('span', {}, c.user_name), el('time', {}, c.ctime)),
      el('p', {}, c.comment)))
    : [el('li', { class: 'muted' }, '暂无评价')]));

  const own = viewer === h.user_id;
  const book = $('#book');
  book.href = `booking.html?hid=${h.hid}`;
  book.hidden = own;
  $('#own').hidden = !own;
  const manage = $('#manage');
  manage.href = `calendar.html?id=${h.hid}`;
  manage.hidden = !own;
  $('#house').hidden = false;
  monthView($('#month'), { houseId: h.hid, basePrice: h.price });
}

init();
