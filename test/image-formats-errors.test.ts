// Every pixel format decodes to the asked channel count and value range; bad files give typed
// errors with index and path and leak nothing.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, ImageFilesDataset, ItemError, nativeCounters, openDescriptorCount } from '../src/index.js';
import { encodePng, pngHeaderOnly } from '../examples/png.js';
import { havePhotos, imagePath, manifest, photos } from './helpers/images.js';

const names = Object.keys(manifest.images).filter((n) => havePhotos || manifest.images[n]!.source === 'files');

describe('pixel formats', () => {
  it.each(names)('%s decodes to 1, 3 and 4 channels in range', (name) => {
    for (const channels of [1, 3, 4] as const) {
      const ds = new ImageFilesDataset([imagePath(name)], { size: [32, 24], channels });
      const x = ds.get(0);
      expect(x.length).toBe(channels * 32 * 24);
      let min = Infinity;
      let max = -Infinity;
      for (const v of x) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(min); // a real picture, not a constant
      if (channels === 4) {
        const alpha = x.subarray(3 * 32 * 24);
        // A palette's tRNS gives RGBA an alpha channel (PIL's convert('RGBA') too).
        const opaque = !['RGBA', 'LA'].includes(manifest.images[name]!.mode) && !manifest.images[name]!.transparency;
        if (opaque) expect(alpha.every((a) => a === 1)).toBe(true);
        else expect(alpha.some((a) => a < 1)).toBe(true);
      }
    }
  });

  it('applies EXIF orientation (and can be told not to)', () => {
    const upright = new ImageFilesDataset([imagePath('chelsea_small.png')], { size: [30, 45], dtype: 'uint8' }).get(0);
    const rotated = new ImageFilesDataset([imagePath('chelsea_exif6.jpg')], { size: [30, 45], dtype: 'uint8', shrinkOnLoad: false }).get(0);
    const raw = new ImageFilesDataset([imagePath('chelsea_exif6.jpg')], { size: [30, 45], dtype: 'uint8', autorotate: false, shrinkOnLoad: false }).get(0);
    const diff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;
    expect(diff(upright, rotated)).toBeLessThan(6); // JPEG q95 of the same picture
    expect(diff(upright, raw)).toBeGreaterThan(20); // the stored, sideways pixels
  });
});

describe('bad image files', () => {
  let dir: string;
  let files: string[];
  const bad: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tl-badimg-'));
    const good = imagePath('chelsea_small.png');
    files = [good];
    const put = (name: string, code: string, content: Buffer | string | null) => {
      const path = join(dir, name);
      if (content !== null) writeFileSync(path, content);
      bad[name] = code;
      files.push(path);
    };
    put('empty.png', 'EEMPTY', '');
    put('text.jpg', 'EFORMAT', 'this is not an image\n');
    put('missing.png', 'ENOENT', null);
    const png = readFileSync(good);
    const corrupt = Buffer.from(png);
    for (let i = 200; i < corrupt.length - 20; i += 7) corrupt[i] ^= 0x5a;
    put('corrupt.png', 'EDECODE', corrupt);
    put('truncated-png.png', 'EDECODE', png.subarray(0, Math.floor(png.length / 2)));
    put('bomb.png', 'ETOOLARGE', pngHeaderOnly(30000, 30000));
    if (havePhotos) {
      copyFileSync(join(photos, 'truncated.jpg'), join(dir, 'truncated.jpg'));
      put('truncated.jpg', 'EDECODE', readFileSync(join(photos, 'truncated.jpg')));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('each gives a typed error with code, index and path', () => {
    const ds = new ImageFilesDataset(files, { size: [16, 16] });
    files.slice(1).forEach((path, k) => {
      const name = path.slice(dir.length + 1);
      let err: unknown;
      try {
        ds.get(k + 1);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ItemError);
      expect((err as ItemError).code, `${name}: ${(err as Error).message}`).toBe(bad[name]);
      expect((err as ItemError).index).toBe(k + 1);
      expect((err as ItemError).path).toBe(path);
    });
    expect(ds.get(0).length).toBe(3 * 16 * 16);
  });

  it('maxPixels refuses large images from the header', () => {
    const ds = new ImageFilesDataset([imagePath('chelsea_small.png')], { size: [16, 16], maxPixels: 150 * 100 - 1 });
    expect(() => ds.get(0)).toThrow(/150x100 = 15000 pixels, over maxPixels 14999/);
    const ok = new ImageFilesDataset([imagePath('chelsea_small.png')], { size: [16, 16], maxPixels: 150 * 100 });
    expect(ok.get(0).length).toBe(768);
  });

  it("onError 'skip' over 1,000 bad files: nothing leaks", async () => {
    const list: string[] = [];
    for (let i = 0; i < 1000; i++) list.push(files[1 + (i % (files.length - 1))]!);
    for (let i = 0; i < 40; i++) list.splice(i * 25, 0, files[0]!);
    const ds = new ImageFilesDataset(list, { size: [16, 16] });
    const fds = openDescriptorCount();
    const loader = new DataLoader(ds, { batchSize: 16, onError: 'skip', maxErrors: 100, threads: 2 });
    const rss: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      let rows = 0;
      for await (const batch of loader) rows += batch.size;
      expect(rows).toBe(40);
      globalThis.gc?.();
      rss.push(process.memoryUsage().rss);
    }
    expect(loader.errorCount).toBe(3000);
    expect(loader.errors.length).toBe(100);
    expect(new Set(loader.errors.map((e) => e.code))).toEqual(new Set(Object.values(bad)));
    expect(loader.stats().slotsLeased).toBe(0);
    expect(nativeCounters().openDescriptors).toBe(0);
    expect(nativeCounters().liveMappings).toBe(0);
    expect(openDescriptorCount()).toBe(fds);
    if (process.env.TENSORLOADER_SANITIZER !== '1') expect(rss[2]! - rss[0]!).toBeLessThan(16 * 2 ** 20);
    loader.close();
  });

  it('rejects nonsense options with a clear message', () => {
    const f = [files[0]!];
    expect(() => new ImageFilesDataset(f, {} as never)).toThrow(/size is required/);
    expect(() => new ImageFilesDataset(f, { size: [0, 10] })).toThrow(/size must be/);
    expect(() => new ImageFilesDataset(f, { size: 8, channels: 2 as never })).toThrow(/channels/);
    expect(() => new ImageFilesDataset(f, { size: 8, dtype: 'uint8', mean: 0.5 })).toThrow(/uint8 gives raw pixels/);
    expect(() => new ImageFilesDataset(f, { size: 8, std: [1, 0, 1] })).toThrow(/std must be positive/);
    expect(() => new ImageFilesDataset(f, { size: 8, kernel: 'magic' as never })).toThrow(/kernel/);
    expect(() => new ImageFilesDataset(f, { size: 8, labels: [1, 2] })).toThrow(/labels has 2 entries for 1 files/);
  });
});

describe('generated PNGs', () => {
  it('encodePng round-trips through the decoder exactly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-png-'));
    try {
      const px = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
      writeFileSync(join(dir, 'a.png'), encodePng(5, 4, 3, px));
      const ds = new ImageFilesDataset([join(dir, 'a.png')], { size: [4, 5], dtype: 'uint8', layout: 'HWC' });
      expect(Array.from(ds.get(0))).toEqual(Array.from(px));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("encodePng with PIL's adaptive row filters uses several filters and round-trips exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-png-'));
    try {
      const seen = new Set<number>();
      for (const channels of [1, 3, 4] as const) {
        const [w, h] = [13, 9];
        // Smooth gradients with noise: each row has a filter that beats the others.
        const px = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 7 + ((i * 2654435761) >>> 28)) & 255);
        const png = encodePng(w, h, channels, px, 6, 'adaptive');
        const idat = png.indexOf('IDAT', 0, 'latin1');
        const raw = inflateSync(png.subarray(idat + 4, idat + 4 + png.readUInt32BE(idat - 4)));
        for (let y = 0; y < h; y++) seen.add(raw[y * (w * channels + 1)]!);
        writeFileSync(join(dir, 'a.png'), png);
        const ds = new ImageFilesDataset([join(dir, 'a.png')], { size: [h, w], dtype: 'uint8', layout: 'HWC', channels });
        expect(Array.from(ds.get(0))).toEqual(Array.from(px));
      }
      expect(seen.size).toBeGreaterThanOrEqual(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
