// Correctness against PIL and torchvision: reference outputs made by
// scripts/fixtures/make_image_fixtures.py for every photo in ../shared/photos and odd formats
// made from them. Tolerances (mean absolute difference, in 8-bit levels):
//   - 0 for everything PIL decodes the same way: the resampling is Pillow's algorithm
//     (bicubic a = -0.5 / bilinear, antialiased, 22-bit fixed point), so results are bit-exact;
//   - JPEG with shrink-on-load (the default) <= 3: decoding at a reduced DCT scale (M/8) is a different, cheaper
//     image than PIL's full decode;
//   - CMYK JPEG <= 12: libvips converts CMYK with an ICC profile, PIL with a naive formula.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DataLoader, ImageFilesDataset, ImageFolderDataset, TensorLoaderError } from '../src/index.js';
import { fixtures, havePhotos, imagePath, manifest, meanAbsDiff, reference } from './helpers/images.js';
import { join } from 'node:path';

const pipelines = {
  seed64: { size: [64, 64] as [number, number], kernel: 'bicubic' as const },
  imagenet: { size: [64, 64] as [number, number], fit: 'cover' as const, cropFraction: 64 / 72, kernel: 'bilinear' as const },
  grey: { size: [40, 48] as [number, number], channels: 1 as const, kernel: 'bicubic' as const },
};

const names = Object.keys(manifest.references).filter((n) => havePhotos || manifest.images[n]!.source === 'files');

describe.each(Object.entries(pipelines))('pipeline %s against PIL/torchvision', (pipeline, options) => {
  it.each(names)('%s, shrinkOnLoad off: bit-exact except CMYK', (name) => {
    const ds = new ImageFilesDataset([imagePath(name)], { ...options, dtype: 'uint8', layout: 'HWC', shrinkOnLoad: false });
    const got = ds.get(0);
    const ref = reference(name, pipeline);
    expect(got.length).toBe(ref.length);
    const mad = meanAbsDiff(got, ref);
    if (manifest.images[name]!.mode === 'CMYK') expect(mad).toBeLessThan(12);
    else expect(mad).toBe(0);
  });

  it.each(names.filter((n) => n.endsWith('.jpg') && manifest.images[n]!.mode !== 'CMYK'))('%s, shrinkOnLoad on: close', (name) => {
    const ds = new ImageFilesDataset([imagePath(name)], { ...options, dtype: 'uint8', layout: 'HWC' });
    expect(meanAbsDiff(ds.get(0), reference(name, pipeline))).toBeLessThan(3);
  });
});

describe('float outputs', () => {
  const name = 'chelsea_small.png';
  const path = join(fixtures, 'files', name);
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];

  it('float32 CHW = ToTensor + Normalize of the reference, to float precision', () => {
    const ref = reference(name, 'seed64'); // HWC uint8
    const ds = new ImageFilesDataset([path], { size: [64, 64], mean, std });
    expect(ds.itemShape).toEqual([3, 64, 64]);
    const got = ds.get(0);
    let max = 0;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 64 * 64; p++) {
        const want = (ref[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
        max = Math.max(max, Math.abs(got[c * 4096 + p]! - want));
      }
    }
    expect(max).toBeLessThan(1e-5);
  });

  it('HWC layout and a custom scale', () => {
    const ref = reference(name, 'seed64');
    const ds = new ImageFilesDataset([path], { size: [64, 64], layout: 'HWC', scale: 2 });
    expect(ds.itemShape).toEqual([64, 64, 3]);
    expect(Array.from(ds.get(0).subarray(0, 6))).toEqual(Array.from(ref.subarray(0, 6), (v) => v * 2));
  });

  it('float16 holds the float32 values rounded to half precision', () => {
    const f32 = new ImageFilesDataset([path], { size: [64, 64], mean, std }).get(0);
    const f16 = new ImageFilesDataset([path], { size: [64, 64], mean, std, dtype: 'float16' }).get(0);
    expect(f16).toBeInstanceOf(Uint16Array);
    const half = (bits: number) => {
      const s = bits & 0x8000 ? -1 : 1;
      const e = (bits >> 10) & 0x1f;
      const m = bits & 0x3ff;
      return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
    };
    for (let i = 0; i < f32.length; i += 97) expect(Math.abs(half(f16[i]!) - f32[i]!)).toBeLessThanOrEqual(Math.abs(f32[i]!) * 2 ** -11 + 1e-7);
  });

  it('contain letterboxes with the pad value', () => {
    const ds = new ImageFilesDataset([path], { size: [64, 64], fit: 'contain', dtype: 'uint8', layout: 'HWC', pad: [1, 2, 3] });
    const got = ds.get(0); // 150x100 -> 64x43, bars of 10 and 11 rows
    expect(Array.from(got.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(got.subarray(63 * 64 * 3, 63 * 64 * 3 + 3))).toEqual([1, 2, 3]);
    const mid = got.subarray(32 * 64 * 3, 33 * 64 * 3);
    expect(mid.some((v, i) => v !== [1, 2, 3][i % 3])).toBe(true);
  });
});

describe('ImageFolderDataset', () => {
  it('has the classes, labels and order of torchvision.datasets.ImageFolder', async () => {
    const root = join(fixtures, 'folder');
    const ds = new ImageFolderDataset(root, { size: [8, 8] });
    expect(ds.classes).toEqual(manifest.imageFolder.classes);
    expect(ds.files.map((f) => f.slice(root.length + 1))).toEqual(manifest.imageFolder.samples.map((s) => s[0]));
    expect(Array.from(ds.labels!)).toEqual(manifest.imageFolder.samples.map((s) => s[1]));
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 9 });
    for await (const batch of loader) {
      expect(Array.from(batch.labels!)).toEqual(Array.from(batch.indices, (i) => ds.labels![i]));
    }
    loader.close();
  });

  it('a symlink loop (a link back to a folder being walked, or to itself) is an ELOOP TensorLoaderError naming it', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tl-loop-'));
    try {
      mkdirSync(join(tmp, 'cat', 'sub'), { recursive: true });
      copyFileSync(join(fixtures, 'folder', 'cat', '1.png'), join(tmp, 'cat', '1.png'));
      symlinkSync('..', join(tmp, 'cat', 'sub', 'up'));
      const err = (() => {
        try {
          new ImageFolderDataset(tmp, { size: [8, 8] });
        } catch (e) {
          return e;
        }
        throw new Error('opened');
      })();
      expect(err).toBeInstanceOf(TensorLoaderError);
      expect((err as TensorLoaderError).code).toBe('ELOOP');
      expect((err as Error).message).toContain(join(tmp, 'cat', 'sub', 'up'));
      rmSync(join(tmp, 'cat', 'sub', 'up'));
      symlinkSync('self', join(tmp, 'cat', 'self'));
      expect(() => new ImageFolderDataset(tmp, { size: [8, 8] })).toThrow(
        expect.objectContaining({ name: 'TensorLoaderError', code: 'ELOOP', message: expect.stringContaining(join(tmp, 'cat', 'self')) }),
      );
      // A link to a folder outside the walk is followed, as os.walk(followlinks=True) does.
      rmSync(join(tmp, 'cat', 'self'));
      mkdirSync(join(tmp, 'elsewhere'));
      copyFileSync(join(fixtures, 'folder', 'cat', '1.png'), join(tmp, 'elsewhere', '2.png'));
      symlinkSync(join(tmp, 'elsewhere'), join(tmp, 'cat', 'sub', 'link'));
      expect(new ImageFolderDataset(join(tmp), { size: [8, 8] }).files.filter((f) => f.includes('cat')).length).toBe(2);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
