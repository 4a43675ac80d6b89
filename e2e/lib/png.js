'use strict';
// A minimal PNG decoder for Chromium's screenshots (8-bit RGB or RGBA, not interlaced) and a
// pixel comparison with a tolerance.
//
// Why: comparing encoded bytes says "different" for a one-level anti-aliasing change at a
// border corner, which is no focus indicator; the keyboard checks need "how many pixels
// changed by how much", without adding an image library.

const zlib = require('node:zlib');

/** Decodes a PNG buffer to `{ width, height, channels, data }` (data: Uint8Array, rows packed). */
function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8];
      const color = body[9];
      channels = { 2: 3, 6: 4 }[color];
      if (depth !== 8 || !channels || body[12] !== 0) {
        throw new Error(`unsupported PNG (depth ${depth}, colour type ${color}, interlace ${body[12]})`);
      }
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const data = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev ? prev[i] : 0;
      const c = prev && i >= channels ? prev[i - channels] : 0;
      let v = line[i];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[i] = v & 0xff;
    }
  }
  return { width, height, channels, data };
}

/**
 * Counts the pixels of two same-sized PNGs whose colour differs by more than `tolerance`
 * (0–255, on any RGB channel).
 */
function changedPixels(pngA, pngB, tolerance = 32) {
  const a = decodePng(pngA);
  const b = decodePng(pngB);
  if (a.width !== b.width || a.height !== b.height) return a.width * a.height;
  let n = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    for (let ch = 0; ch < 3; ch++) {
      if (Math.abs(a.data[p * a.channels + ch] - b.data[p * b.channels + ch]) > tolerance) {
        n++;
        break;
      }
    }
  }
  return n;
}

module.exports = { decodePng, changedPixels };
