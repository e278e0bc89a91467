// Options that cannot lie: libvips' fail-on levels on corrupt JPEGs, a packed file's meta that
// tries to loosen the reader's limits, and a loader whose arena would exceed its memory budget.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, ImageFilesDataset, PackedDataset, pack, TensorLoaderError } from '../src/index.js';
import { put, sofOf } from './helpers/hostile-images.js';
import { editFile, layoutOf, resealHeader } from './helpers/packed-bytes.js';

let tmp: string;
let good: string;
let tall: string;
const bogus: Record<string, string> = {};
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-hostile-opts-'));
  const raw = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + (i >> 6)) & 255;
  const jpg = await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 80 }).toBuffer();
  good = put(tmp, 'good.jpg', jpg);
  const sof = sofOf(jpg);
  // The SOF declares 2048 rows; the data holds 64.
  const t = Buffer.from(jpg);
  t.writeUInt16BE(2048, sof + 5);
  tall = put(tmp, 'tall.jpg', t);
  for (const [name, marker] of [['lossless', 0xc3], ['unknown', 0xcf]] as const) {
    const b = Buffer.from(jpg);
    b[sof + 1] = marker;
    bogus[name] = put(tmp, `sof-${name}.jpg`, b);
  }
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const errorOf = (f: () => unknown): TensorLoaderError => {
  try {
    f();
  } catch (e) {
    return e as TensorLoaderError;
  }
  throw new Error('no error');
};

describe('failOn: libvips fail-on levels', () => {
  it("a JPEG whose SOF declares more rows than its data holds: refused by 'warning' (the default), decoded grey by the others", () => {
    const err = errorOf(() => new ImageFilesDataset([tall], { size: 16, dtype: 'uint8' }).get(0));
    expect(err.code).toBe('EDECODE');
    expect(err.message).toMatch(/premature end of data segment/);
    expect(errorOf(() => new ImageFilesDataset([tall], { size: 16, dtype: 'uint8', failOn: 'warning' }).get(0)).code).toBe('EDECODE');
    for (const failOn of ['none', 'truncated', 'error'] as const) {
      const v = new ImageFilesDataset([tall], { size: 16, dtype: 'uint8', failOn }).get(0);
      // Rows past the data are libjpeg's fill: the bottom of the image is flat grey.
      const bottom = v.subarray(v.length - 16 * 3);
      expect(new Set(bottom).size, failOn).toBeLessThanOrEqual(2);
    }
    expect(new ImageFilesDataset([good], { size: 16, dtype: 'uint8' }).get(0).length).toBe(16 * 16 * 3);
  });

  it('a bogus SOF marker (lossless 0xC3 on baseline data, an undefined 0xCF) is an EDECODE at every level, never pixels', () => {
    for (const failOn of ['none', 'truncated', 'error', 'warning'] as const) {
      for (const path of Object.values(bogus)) {
        const err = errorOf(() => new ImageFilesDataset([path], { size: 16, dtype: 'uint8', failOn }).get(0));
        expect(err.code, `${path} ${failOn}`).toBe('EDECODE');
        expect(err.message).toContain(path);
      }
    }
  });

  it('refuses an unknown level', () => {
    expect(() => new ImageFilesDataset([good], { size: 16, failOn: 'strict' as never })).toThrow(/failOn must be 'none', 'truncated', 'error' or 'warning', got strict/);
  });
});

describe("a packed file's meta never loosens the reader's limits", () => {
  let packed: string;
  beforeAll(async () => {
    packed = join(tmp, 'enc.tlpack');
    await pack(new ImageFilesDataset([good, good], { size: 8, dtype: 'uint8', layout: 'HWC', maxPixels: 100 * 100 }), packed, { encoded: true });
  });
  // Rewrites the meta JSON in place (same length, padded with spaces) and seals the checksum.
  const withMeta = (name: string, edit: (meta: any) => void): string => {
    const path = join(tmp, `${name}.tlpack`);
    copyFileSync(packed, path);
    editFile(path, (b) => {
      const l = layoutOf(b);
      const at = l.headerBytes - l.metaBytes;
      const meta = JSON.parse(b.subarray(at, l.headerBytes).toString('utf8'));
      // Room for the edit: drop options whose defaults are the same (same pipeline, shorter JSON).
      for (const k of ['background', 'pad', 'kernel', 'cropFraction', 'horizontalFlip', 'seed', 'randomResizedCrop']) delete meta.fields.image.pipeline[k];
      edit(meta);
      const text = JSON.stringify(meta);
      if (text.length > l.metaBytes) throw new Error('edited meta is longer');
      b.write(text.padEnd(l.metaBytes, ' '), at, 'utf8');
      resealHeader(b);
    });
    return path;
  };

  it('maxPixels in the file only lowers the reader\'s: a raised one is clamped to the default, the file\'s lower one applies', () => {
    const raised = withMeta('raised', (m) => (m.fields.image.pipeline.maxPixels = 1e15));
    const ds = new PackedDataset(raised);
    expect(ds.get(0).image!.length).toBe(8 * 8 * 3); // a 64x64 image is under both
    const lowered = withMeta('lowered', (m) => (m.fields.image.pipeline.maxPixels = 100));
    const err = errorOf(() => new PackedDataset(lowered).get(0));
    expect(err.code).toBe('ETOOLARGE');
    expect(err.message).toMatch(/over maxPixels 100\b/);
    // The reader's own limit wins over a file that allows more.
    const err2 = errorOf(() => new PackedDataset(raised, { image: { maxPixels: 1000 } }).get(0));
    expect(err2.message).toMatch(/over maxPixels 1000\b/);
  });

  it('an output size whose items are over maxItemBytes is refused on open; failOn and maxItemBytes in the file are ignored', () => {
    const huge = withMeta('huge', (m) => {
      m.fields.image.pipeline.size = [16384, 16384];
      m.fields.image.pipeline.dtype = 'float32';
    });
    const err = errorOf(() => new PackedDataset(huge));
    expect(err).toBeInstanceOf(TensorLoaderError);
    expect(err.code).toBe('ETOOLARGE');
    expect(err.message).toMatch(/asks for 16384x16384x3 float32 items \(3221225472 bytes each\), over maxItemBytes 536870912/);
    const sneaky = withMeta('sneaky', (m) => {
      m.fields.image.pipeline.failOn = 'none';
      m.fields.image.pipeline.maxItemBytes = 1e15;
    });
    expect(new PackedDataset(sneaky).get(0).image!.length).toBe(8 * 8 * 3);
  });
});

describe('DataLoader memoryBudget', () => {
  it('refuses an arena over the budget before allocating it, and validates the option', () => {
    const ds = new ImageFilesDataset([good], { size: 1024, dtype: 'float32' }); // 12 MiB per item
    const err = errorOf(() => new DataLoader(ds, { batchSize: 64, memoryBudget: 1024 ** 3 }));
    expect(err.code).toBe('ETOOLARGE');
    expect(err.message).toMatch(/the arena would take \d+ bytes .* over memoryBudget 1073741824/);
    expect(() => new DataLoader(ds, { batchSize: 1, memoryBudget: Number.NaN })).toThrow(RangeError);
    new DataLoader(ds, { batchSize: 2, memoryBudget: 1024 ** 3 }).close();
  });

  it("caps each item's decode at (budget - arena) / threads", async () => {
    const ds = new ImageFilesDataset([good], { size: 16, dtype: 'uint8' });
    // 64x64x3 decoded is 12288 bytes: over a 4 KiB share per thread, under a 1 MiB one.
    const tight = new DataLoader(ds, { batchSize: 1, threads: 2, slots: 2, memoryBudget: 2 * 16 * 16 * 3 + 64 * 2 + 8192 });
    await expect(tight[Symbol.asyncIterator]().next()).rejects.toThrow(/over this item's memory cap/);
    tight.close();
    const roomy = new DataLoader(ds, { batchSize: 1, threads: 2, memoryBudget: 2 * 1024 * 1024 });
    for await (const b of roomy) expect(b.size).toBe(1);
    roomy.close();
  });
});
