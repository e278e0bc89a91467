// Tiny image files whose headers declare far more than they hold, written the way an attacker
// would: a valid small file from sharp with its size fields patched, or a PNG/TIFF/SVG
// assembled byte by byte. Each is a few hundred bytes; decoded as declared, each would take
// hundreds of MB to GB.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import sharp from 'sharp';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose IHDR declares width x height (8-bit, colour type 0 grey / 6 RGBA) and whose one IDAT holds a single row's worth. */
export function pngDeclaring(width: number, height: number, colourType: 0 | 6): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An uncompressed TIFF declaring width x height x samples with one 16-byte strip. */
export function tiffDeclaring(width: number, height: number, samples: 1 | 3): Buffer {
  const entries: Array<[number, number, number, number]> = [
    // tag, type (3 SHORT, 4 LONG), count, value
    [256, 4, 1, width],
    [257, 4, 1, height],
    [258, 3, 1, 8],
    [259, 3, 1, 1],
    [262, 3, 1, samples === 1 ? 1 : 2],
    [273, 4, 1, 0], // strip offset, patched below
    [277, 3, 1, samples],
    [278, 4, 1, height],
    [279, 4, 1, 16],
  ];
  const ifdAt = 8;
  const ifdBytes = 2 + entries.length * 12 + 4;
  const stripAt = ifdAt + ifdBytes;
  entries[5]![3] = stripAt;
  const b = Buffer.alloc(stripAt + 16);
  b.write('II', 0, 'latin1');
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(ifdAt, 4);
  b.writeUInt16LE(entries.length, ifdAt);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdAt + 2 + i * 12;
    b.writeUInt16LE(tag, at);
    b.writeUInt16LE(type, at + 2);
    b.writeUInt32LE(count, at + 4);
    if (type === 3) b.writeUInt16LE(value, at + 8);
    else b.writeUInt32LE(value, at + 8);
  });
  return b;
}

const pixels = (w: number, h: number, c: number) => {
  const raw = Buffer.alloc(w * h * c);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + (i >> 6)) & 255;
  return sharp(raw, { raw: { width: w, height: h, channels: c as 1 | 3 } });
};

/** Offset of the SOF0 marker of a baseline JPEG (height at +5, width at +7). */
export function sofOf(jpeg: Buffer): number {
  const at = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  if (at < 0) throw new Error('no SOF0');
  return at;
}

/** A small baseline JPEG (from sharp) whose SOF0 now declares width x height. */
export async function jpegDeclaring(width: number, height: number, channels: 1 | 3): Promise<Buffer> {
  const img = pixels(64, 64, channels);
  const jpg = await (channels === 1 ? img.toColourspace('b-w') : img).jpeg({ quality: 80 }).toBuffer();
  const sof = sofOf(jpg);
  jpg.writeUInt16BE(height, sof + 5);
  jpg.writeUInt16BE(width, sof + 7);
  return jpg;
}

/** A small AVIF (from sharp) whose 'ispe' box now declares width x height. */
export async function avifDeclaring(width: number, height: number): Promise<Buffer> {
  const avif = await pixels(64, 64, 3).avif({ quality: 50 }).toBuffer();
  const ispe = avif.indexOf('ispe');
  if (ispe < 0) throw new Error('no ispe box');
  avif.writeUInt32BE(width, ispe + 8);
  avif.writeUInt32BE(height, ispe + 12);
  return avif;
}

export const svgDeclaring = (width: number, height: number): Buffer =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="10" height="10"/></svg>`);

/** Writes `bytes` to dir/name and returns the path. */
export function put(dir: string, name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}
