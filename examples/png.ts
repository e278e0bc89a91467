// A minimal PNG encoder (8-bit grey, grey+alpha, RGB, RGBA; no row filters, or PIL's per-row
// choice), so examples,
// benchmarks and tests can write images without loading a second image library into the
// process (sharp would share, and reconfigure, the same libvips).
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

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

export type RowFilters = 'none' | 'adaptive';

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// Filter type `f` of `row` (prev: the row above, or null) into out[1..], out[0] = f.
function filterRow(f: number, row: Uint8Array, prev: Uint8Array | null, bpp: number, out: Uint8Array): void {
  out[0] = f;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp]! : 0;
    const b = prev ? prev[i]! : 0;
    const c = prev && i >= bpp ? prev[i - bpp]! : 0;
    const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
    out[i + 1] = (row[i]! - pred) & 255;
  }
}

// PIL's choice (ZipEncode.c): the filter whose bytes, read as signed, have the smallest sum of
// absolute values, tried in the order none, up, sub, average, paeth; a tie keeps the earlier.
function adaptiveRow(row: Uint8Array, prev: Uint8Array | null, bpp: number, best: Uint8Array, trial: Uint8Array): void {
  const cost = (b: Uint8Array) => {
    let sum = 0;
    for (let i = 1; i < b.length; i++) sum += b[i]! < 128 ? b[i]! : 256 - b[i]!;
    return sum;
  };
  filterRow(0, row, prev, bpp, best);
  let bestCost = cost(best);
  for (const f of [2, 1, 3, 4]) {
    if (bestCost === 0) break;
    filterRow(f, row, prev, bpp, trial);
    const c = cost(trial);
    if (c < bestCost) {
      bestCost = c;
      best.set(trial);
    }
  }
}

/**
 * Encodes `pixels` (height rows of width × channels bytes) as a PNG. `filters`: 'none' stores
 * every row unfiltered; 'adaptive' picks a filter per row as PIL's Image.save does.
 */
export function encodePng(width: number, height: number, channels: 1 | 2 | 3 | 4, pixels: Uint8Array, level = 6, filters: RowFilters = 'none'): Buffer {
  const colourType = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  const trial = new Uint8Array(stride + 1);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const out = raw.subarray(y * (stride + 1), (y + 1) * (stride + 1));
    if (filters === 'adaptive') adaptiveRow(row, y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null, channels, out, trial);
    else out.set(row, 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A PNG whose header claims width × height but whose data is a few bytes: a decompression bomb's header. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
