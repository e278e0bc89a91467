// The direct JPEG decoder (native/core/jpeg_decoder.cc, libjpeg-turbo linked into the addon)
// against PIL on JPEGs made as users make them (PIL's Image.save, quality 90, 500x375 and
// 375x500 crops of the shared photographs), through torchvision's Resize + CenterCrop:
//   - shrinkOnLoad: false (exact mode, a full decode): bit-exact with PIL's full decode;
//   - shrinkOnLoad: true (the default, fast mode: the smallest of 1/8, 2/8, 4/8 that leaves
//     at least the resize's pixels, else a full decode): for Resize(256) nothing smaller fits
//     (4/8 leaves 188 rows), so it is bit-exact too; for Resize(128) + CenterCrop(112) it
//     decodes at 4/8: within a mean absolute difference of 1.5 levels (1 on average) of PIL's
//     full-decode pipeline, and of 3 of PIL's draft() one (which decodes at 4/8 too, with
//     libjpeg's fast IDCT and without fancy upsampling: further from the full decode than us).
// And hostile JPEGs: truncated, corrupt, declaring huge sizes, endless progressive scans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageFilesDataset, ItemError } from '../src/index.js';
import { havePhotos, meanAbsDiff, photos } from './helpers/images.js';
import { plainEnv } from './helpers/nginx.js';

const N = 8;
const helper = join(import.meta.dirname, 'helpers', 'jpeg-references.py');
const common = { fit: 'cover' as const, kernel: 'bilinear' as const, dtype: 'uint8' as const, layout: 'HWC' as const };
const imagenet = { ...common, size: [224, 224] as [number, number], cropFraction: 224 / 256 };
const small = { ...common, size: [112, 112] as [number, number], cropFraction: 112 / 128 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe.skipIf(!havePhotos)('JPEG decoder against PIL', () => {
  let dir: string;
  const files = Array.from({ length: N }, (_, i) => `img_${i}.jpg`);
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tl-jpeg-'));
    execFileSync('/usr/bin/python3', [helper, '--make', photos, String(N), dir], { env: plainEnv() });
    mkdirSync(join(dir, 'small'));
    execFileSync('/usr/bin/python3', [helper, '--geometry', '128', '112', join(dir, 'small'), ...files.map((f) => join(dir, f))], { env: plainEnv() });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ref = (sub: string, file: string, kind: 'full' | 'draft') => readFileSync(join(dir, sub, file.replace('.jpg', `.${kind}.raw`)));
  const paths = () => files.map((f) => join(dir, f));

  it.each([true, false])('Resize(256) + CenterCrop(224), shrinkOnLoad %s: bit-exact with PIL\'s full decode', (shrinkOnLoad) => {
    const ds = new ImageFilesDataset(paths(), { ...imagenet, shrinkOnLoad });
    files.forEach((f, i) => {
      const got = ds.get(i);
      expect(got.length).toBe(224 * 224 * 3);
      expect(maxAbsDiff(got, ref('', f, 'full')), f).toBe(0);
    });
  });

  it('Resize(128) + CenterCrop(112), exact mode: bit-exact with PIL\'s full decode', () => {
    const ds = new ImageFilesDataset(paths(), { ...small, shrinkOnLoad: false });
    files.forEach((f, i) => expect(maxAbsDiff(ds.get(i), ref('small', f, 'full')), f).toBe(0));
  });

  it('Resize(128) + CenterCrop(112), fast mode (4/8): close to PIL\'s full decode and to its draft()', () => {
    const ds = new ImageFilesDataset(paths(), small);
    let sumFull = 0;
    files.forEach((f, i) => {
      const got = ds.get(i);
      const full = meanAbsDiff(got, ref('small', f, 'full'));
      // It really decodes a different (smaller) image: not bit-exact with the full decode.
      expect(full, f).toBeGreaterThan(0);
      expect(full, f).toBeLessThan(1.5);
      // draft() decodes at 4/8 too, but with libjpeg's fast IDCT and box chroma upsampling.
      expect(meanAbsDiff(got, ref('small', f, 'draft')), f).toBeLessThan(3);
      sumFull += full;
    });
    expect(sumFull / N).toBeLessThan(1);
  });
});

describe.skipIf(!havePhotos)('hostile JPEGs', () => {
  let dir: string;
  let good: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tl-badjpeg-'));
    execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'helpers', 'jpeg-references.py'), '--make', photos, '1', dir], { env: plainEnv() });
    good = readFileSync(join(dir, 'img_0.jpg'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function errorOf(bytes: Buffer, options: Record<string, unknown> = {}): ItemError {
    const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.jpg`);
    writeFileSync(path, bytes);
    try {
      new ImageFilesDataset([path], { size: [64, 64], ...options }).get(0);
    } catch (e) {
      expect(e).toBeInstanceOf(ItemError);
      return e as ItemError;
    }
    throw new Error('no error');
  }

  it('truncated: EDECODE by default; failOn none decodes what is there', () => {
    const cut = good.subarray(0, Math.floor(good.length * 0.6));
    for (const shrinkOnLoad of [true, false]) {
      const e = errorOf(cut, { shrinkOnLoad });
      expect(e.code).toBe('EDECODE');
      expect(e.message).toMatch(/Premature end of JPEG file/);
      expect(errorOf(cut, { shrinkOnLoad, failOn: 'truncated' }).code).toBe('EDECODE');
      expect(e.message).not.toMatch(/libvips|vips/);
    }
    const path = join(dir, 'cut.jpg');
    writeFileSync(path, cut);
    expect(new ImageFilesDataset([path], { size: [64, 64], failOn: 'none' }).get(0).length).toBe(3 * 64 * 64);
  });

  it('corrupt entropy data: EDECODE under failOn warning, and never a crash', () => {
    const bad = Buffer.from(good);
    // Past the headers (the first ~600 bytes: quantisation and Huffman tables).
    for (let i = 700; i < bad.length - 2; i += 97) bad[i] = 0xff;
    expect(errorOf(bad).code).toBe('EDECODE');
    for (const failOn of ['none', 'truncated', 'error']) {
      const path = join(dir, `corrupt-${failOn}.jpg`);
      writeFileSync(path, bad);
      try {
        expect(new ImageFilesDataset([path], { size: [64, 64], failOn: failOn as 'none' }).get(0).length).toBe(3 * 64 * 64);
      } catch (e) {
        expect((e as ItemError).code).toBe('EDECODE');
      }
    }
  });

  it('a header declaring 65500x65500: ETOOLARGE before any pixel is decoded', () => {
    const huge = Buffer.from(good);
    // The SOF0 marker's height and width fields.
    const sof = huge.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    huge.writeUInt16BE(65500, sof + 5);
    huge.writeUInt16BE(65500, sof + 7);
    const e = errorOf(huge);
    expect(e.code).toBe('ETOOLARGE');
    expect(e.message).toMatch(/65500x65500/);
    // Under maxPixels, the memory cap still holds it.
    const capped = errorOf(huge, { maxPixels: 65500 * 65500, maxItemBytes: 64 << 20 });
    expect(capped.code).toBe('ETOOLARGE');
    expect(capped.message).toMatch(/memory cap/);
  });

  it('endless progressive scans: EDECODE from the scan limit', () => {
    // A progressive file whose one DC scan is repeated 3,000 times before EOI.
    const prog = join(dir, 'prog.jpg');
    execFileSync('/usr/bin/python3', ['-c', `from PIL import Image; Image.open(${JSON.stringify(join(dir, 'img_0.jpg'))}).resize((64, 48)).save(${JSON.stringify(prog)}, quality=50, progressive=True)`], { env: plainEnv() });
    const p = readFileSync(prog);
    const sos = p.indexOf(Buffer.from([0xff, 0xda]));
    const next = p.indexOf(Buffer.from([0xff, 0xc4]), sos + 2) > 0 ? Math.min(...[0xc4, 0xda].map((m) => p.indexOf(Buffer.from([0xff, m]), sos + 2)).filter((x) => x > 0)) : p.length - 2;
    const scan = p.subarray(sos, next);
    const bomb = Buffer.concat([p.subarray(0, next), ...Array.from({ length: 3000 }, () => scan), Buffer.from([0xff, 0xd9])]);
    const e = errorOf(bomb, { failOn: 'none' });
    expect(e.code).toBe('EDECODE');
    expect(e.message).toMatch(/more than 1000 progressive scans/);
  });
});
