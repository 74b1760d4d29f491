// A tiny PNG encoder (RGB, 8 bits, no filter) for test pictures.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/**
 * A w×h picture: a vertical gradient from `top` to `bottom` colour, with a
 * lighter "house" block in the middle so the pictures look like something.
 */
export function makePng(w, h, top, bottom) {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const row = y * (w * 3 + 1);
    raw[row] = 0; // filter: none
    const t = y / (h - 1 || 1);
    for (let x = 0; x < w; x++) {
      let px = top.map((c, i) => Math.round(c + (bottom[i] - c) * t));
      const inHouse = x > w * 0.3 && x < w * 0.7 && y > h * 0.45 && y < h * 0.85;
      const inRoof = y >= h * 0.2 && y <= h * 0.45 && Math.abs(x - w / 2) < (y - h * 0.2) * (w * 0.25) / (h * 0.25);
      if (inHouse || inRoof) px = px.map((c) => Math.min(255, c + 90));
      raw.set(px, row + 1 + x * 3);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
