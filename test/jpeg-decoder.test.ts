// The direct JPEG decoder (native/core/jpeg_decoder.cc, libjpeg-turbo linked into the addon)
// against PIL on JPEGs made as users make them (PIL's Image.save, quality 90, 500x375 and
// 375x500 crops of the shared photographs), through torchvision's Resize(256) + CenterCrop(224):
//   - shrinkOnLoad: false (exact mode, a full decode): bit-exact with PIL's full decode;
//   - shrinkOnLoad: true (the default, fast mode: decoded at the smallest DCT scale M/8 that
//     leaves at least 256 pixels on the short side, 6/8 here): within a mean absolute
//     difference of 1.5 levels of PIL's full-decode pipeline, and of 2.5 of PIL's draft() one
//     (which decodes these in full too: draft only halves).
// And hostile JPEGs: truncated, corrupt, declaring huge sizes, endless progressive scans.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageFilesDataset, ItemError } from '../src/index.js';
import { havePhotos, meanAbsDiff, photos } from './helpers/images.js';
import { plainEnv } from './helpers/nginx.js';

const N = 8;
const geometry = { size: [224, 224] as [number, number], fit: 'cover' as const, cropFraction: 224 / 256, kernel: 'bilinear' as const, dtype: 'uint8' as const, layout: 'HWC' as const };

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
    execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'helpers', 'jpeg-references.py'), '--make', photos, String(N), dir], { env: plainEnv() });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ref = (file: string, kind: 'full' | 'draft') => readFileSync(join(dir, file.replace('.jpg', `.${kind}.raw`)));

  it('exact mode (shrinkOnLoad: false) is bit-exact with PIL\'s full decode', () => {
    const ds = new ImageFilesDataset(files.map((f) => join(dir, f)), { ...geometry, shrinkOnLoad: false });
    files.forEach((f, i) => {
      const got = ds.get(i);
      expect(got.length).toBe(224 * 224 * 3);
      expect(maxAbsDiff(got, ref(f, 'full')), f).toBe(0);
    });
  });

  it('fast mode (the default, reduced DCT scale) stays close to PIL, full decode and draft()', () => {
    const ds = new ImageFilesDataset(files.map((f) => join(dir, f)), geometry);
    let sumFull = 0;
    let sumDraft = 0;
    files.forEach((f, i) => {
      const got = ds.get(i);
      const full = meanAbsDiff(got, ref(f, 'full'));
      // It really decodes a different (smaller) image: not bit-exact.
      expect(full, f).toBeGreaterThan(0);
      expect(full, f).toBeLessThan(1.5);
      expect(meanAbsDiff(got, ref(f, 'draft')), f).toBeLessThan(2.5);
      sumFull += full;
      sumDraft += meanAbsDiff(got, ref(f, 'draft'));
    });
    expect(sumFull / N).toBeLessThan(1.2);
    expect(sumDraft / N).toBeLessThan(1.2);
  });

  it('a small output is decoded at a small scale and still matches the geometry', () => {
    // 56x56 from a 500x375 file: 1/8 would leave 47 rows for 64, so 2/8 (94 rows).
    const small = { ...geometry, size: [56, 56] as [number, number], cropFraction: 56 / 64 };
    const fast = new ImageFilesDataset([join(dir, files[0]!)], small).get(0);
    const exact = new ImageFilesDataset([join(dir, files[0]!)], { ...small, shrinkOnLoad: false }).get(0);
    expect(meanAbsDiff(fast, exact)).toBeGreaterThan(0);
    expect(meanAbsDiff(fast, exact)).toBeLessThan(3);
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
