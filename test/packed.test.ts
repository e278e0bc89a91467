// Packed files: pack → read gives back exactly what the source pipeline gives (raw records bit
// for bit, float conversion exactly, encoded images decoded identically), in one file or in
// shards, from native and JS datasets, byte-identical when packed twice.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataLoader,
  FieldsDataset,
  ImageFilesDataset,
  ImageFolderDataset,
  NpyDataset,
  PackedDataset,
  TensorLoaderError,
  TextTensorDataset,
  nativeCounters,
  openDescriptorCount,
  pack,
} from '../src/index.js';
import { writeImageData } from '../examples/data.js';
import { havePhotos, photos } from './helpers/images.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

const folder = join(import.meta.dirname, 'fixtures', 'images', 'folder');
const npyDir = join(import.meta.dirname, 'fixtures', 'npy');
let tmp: string;
let text: TextFolder;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-packed-'));
  text = makeTextFolder(300, 10, 7);
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  text.cleanup();
});

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('pack + PackedDataset round trips', () => {
  it('raw image folder: pixels bit for bit, labels and classes; float CHW + mean/std converted exactly as the image dataset makes them', async () => {
    const src = new ImageFolderDataset(folder, { size: [24, 20], dtype: 'uint8', layout: 'HWC' });
    const out = join(tmp, 'folder.tlpack');
    const result = await pack(src, out);
    expect(result.records).toBe(src.length);
    expect(result.fields.map((f) => `${f.name}:${f.dtype}[${f.shape}]`)).toEqual(['image:uint8[24,20,3]', 'label:int32[]']);
    const packed = new PackedDataset(out);
    expect(packed.length).toBe(src.length);
    expect(packed.classes).toEqual(src.classes);
    for (let i = 0; i < src.length; i++) {
      const item = packed.get(i);
      expect(bytes(item.image!).equals(bytes(src.get(i)))).toBe(true);
      expect(Array.from(item.label! as ArrayLike<number>)).toEqual([src.labels![i]]);
    }
    const opts = { dtype: 'float32', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
    const asFloat = new PackedDataset(out, { image: opts });
    const ref = new ImageFolderDataset(folder, { size: [24, 20], ...opts });
    expect(asFloat.fields[0]).toEqual({ name: 'image', dtype: 'float32', shape: [3, 24, 20] });
    const loader = new DataLoader(asFloat, { batchSize: 4, shuffle: true, seed: 3 });
    let rows = 0;
    for await (const batch of loader) {
      expect(Object.keys(batch.fields)).toEqual(['image', 'label']);
      expect(batch.fields.image!.shape).toEqual([batch.size, 3, 24, 20]);
      expect(batch.data).toBe(batch.fields.image!.data);
      expect(Array.from(batch.labels!)).toEqual(Array.from(batch.indices, (i) => src.labels![i]));
      const per = 3 * 24 * 20;
      for (let r = 0; r < batch.size; r++) {
        const want = ref.get(batch.indices[r]!);
        expect(bytes((batch.data as Float32Array).subarray(r * per, (r + 1) * per)).equals(bytes(want))).toBe(true);
      }
      rows += batch.size;
    }
    expect(rows).toBe(src.length);
    loader.close();
  });

  it('refuses pipeline options a raw image field cannot apply, and conversions of fields that are not pixels', async () => {
    const out = join(tmp, 'folder.tlpack');
    expect(() => new PackedDataset(out, { image: { size: 64 } })).toThrow(/resized at pack time.*encoded/);
    expect(() => new PackedDataset(out, { fields: ['nope'] })).toThrow(/no field 'nope'.*image, label/);
    const only = new PackedDataset(out, { fields: ['label'] });
    expect(only.fields.map((f) => f.name)).toEqual(['label']);
    expect(Array.from(only.get(0).label as Int32Array)).toEqual([0]);
  });

  it('encoded images keep the files bytes and decode with the pipeline they were packed with (or another one)', async () => {
    const files = havePhotos ? readdirSync(photos).filter((f) => /\.(png|jpe?g)$/i.test(f) && !/trunc/i.test(f)).map((f) => join(photos, f)) : [];
    const list = [...files, ...readdirSync(join(folder, 'cat')).map((f) => join(folder, 'cat', f))];
    const opts = { size: [40, 36] as [number, number], fit: 'cover' as const, cropFraction: 0.875, mean: [0.5], std: [0.25] };
    const src = new ImageFilesDataset(list, opts);
    const out = join(tmp, 'encoded.tlpack');
    const result = await pack(src, out, { encoded: true });
    expect(result.fields).toEqual([{ name: 'image', dtype: 'uint8', encoding: 'image', shape: [] }]);
    const packed = new PackedDataset(out);
    expect(packed.fields[0]).toEqual({ name: 'image', dtype: 'float32', shape: [3, 40, 36] });
    for (let i = 0; i < src.length; i++) expect(bytes(packed.get(i).image!).equals(bytes(src.get(i)))).toBe(true);
    const total = list.reduce((a, f) => a + readFileSync(f).length, 0);
    expect(result.bytes).toBeGreaterThan(total);
    expect(result.bytes).toBeLessThan(total + 4096 * (list.length + 4));
    const other = new PackedDataset(out, { image: { size: 16, dtype: 'uint8', layout: 'HWC' } });
    const ref = new ImageFilesDataset(list, { ...opts, size: 16, dtype: 'uint8', layout: 'HWC', mean: undefined, std: undefined });
    expect(bytes(other.get(0).image!).equals(bytes(ref.get(0)))).toBe(true);
  });

  it('text files: values exactly, at loader speed; the seed Example 1 data packed as field "values"', async () => {
    const src = new TextTensorDataset(text.files, { length: 10 });
    const out = join(tmp, 'text.tlpack');
    await pack(src, out);
    const packed = new PackedDataset(out);
    expect(packed.fields).toEqual([{ name: 'values', dtype: 'float32', shape: [10] }]);
    const loader = new DataLoader(packed, { batchSize: 64 });
    for await (const batch of loader) {
      for (let r = 0; r < batch.size; r++) {
        expect(Array.from((batch.fields.values!.data as Float32Array).subarray(r * 10, r * 10 + 10))).toEqual(Array.from(text.values[batch.indices[r]!]!));
      }
    }
    loader.close();
  });

  it('paired .npy arrays (x.npy, y.npy) as fields, packed and read back; lengths must match', async () => {
    const pair = NpyDataset.fields({ x: join(npyDir, 'f4_v1.npy'), y: join(npyDir, 'pair_y.npy') });
    expect(pair.fields).toEqual([
      { name: 'x', dtype: 'float32', shape: [10] },
      { name: 'y', dtype: 'int64', shape: [] },
    ]);
    const x = new NpyDataset(join(npyDir, 'f4_v1.npy'), { dtype: 'float32' });
    const y = new NpyDataset(join(npyDir, 'pair_y.npy'), { dtype: 'int64' });
    const loader = new DataLoader(pair, { batchSize: 4, shuffle: true, seed: 2, copy: true });
    for await (const batch of loader) {
      const bx = batch.fields.x!.data as Float32Array;
      const by = batch.fields.y!.data as BigInt64Array;
      expect(batch.fields.y!.shape).toEqual([batch.size]);
      batch.indices.forEach((i, r) => {
        expect(Array.from(bx.subarray(r * 10, r * 10 + 10))).toEqual(Array.from(x.get(i)));
        expect(by[r]).toBe(y.get(i)[0]);
      });
    }
    expect(pair.get(5).y![0]).toBe(10n);
    const out = join(tmp, 'pair.tlpack');
    await pack(pair, out);
    const packed = new PackedDataset(out);
    expect(packed.fields.map((f) => f.name)).toEqual(['x', 'y']);
    for (let i = 0; i < 6; i++) {
      expect(Array.from(packed.get(i).x! as ArrayLike<number>)).toEqual(Array.from(x.get(i)));
      expect(packed.get(i).y![0]).toBe(y.get(i)[0]);
    }
    expect(() => NpyDataset.fields({ x: join(npyDir, 'f4_v1.npy'), y: join(npyDir, 'i4.npy') })).toThrow(/different lengths.*6.*8/);
    expect(() => new FieldsDataset({})).toThrow(TensorLoaderError);
  });

  it('JS datasets: objects of typed arrays, numbers and bigints; a different item shape is an error naming the index; skip leaves it out', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({ x: Float32Array.from({ length: 3 }, (_, k) => i + k / 4), label: BigInt(i % 5), w: i / 2 }));
    const ds = { length: items.length, get: async (i: number) => items[i] };
    const out = join(tmp, 'js.tlpack');
    const r = await pack(ds, out, { groupSize: 16 });
    expect(r.fields.map((f) => `${f.name}:${f.dtype}[${f.shape}]`)).toEqual(['x:float32[3]', 'label:int64[]', 'w:float64[]']);
    const packed = new PackedDataset(out);
    for (const i of [0, 17, 49]) {
      const item = packed.get(i);
      expect(Array.from(item.x! as ArrayLike<number>)).toEqual(Array.from(items[i]!.x));
      expect(item.label![0]).toBe(items[i]!.label);
      expect(item.w![0]).toBe(items[i]!.w);
    }
    const bad = { length: 5, get: (i: number) => (i === 3 ? { x: new Float32Array(4), label: 0n, w: 0 } : items[i]) };
    await expect(pack(bad, join(tmp, 'bad.tlpack'))).rejects.toThrow(/get\(3\)\.x is float32\[4\], item 0 had float32\[3\]/);
    const thrower = { length: 5, get: (i: number) => { if (i === 2) throw new Error('boom'); return items[i]; } };
    const skipped = await pack(thrower, join(tmp, 'skip.tlpack'), { onError: 'skip' });
    expect(skipped.records).toBe(4);
    expect(skipped.skipped.map((e) => [e.index, e.code])).toEqual([[2, 'EGET']]);
    expect(skipped.skippedCount).toBe(1);
    const allBad = await pack({ length: 1500, get: (i: number) => (i === 0 ? items[0] : Promise.reject(new Error('x'))) }, join(tmp, 'allbad.tlpack'), { onError: 'skip' });
    expect([allBad.records, allBad.skipped.length, allBad.skippedCount]).toEqual([1, 1000, 1499]);
    expect(Array.from(new PackedDataset(join(tmp, 'skip.tlpack')).get(2).x as Float32Array)).toEqual(Array.from(items[3]!.x));
  });
});

describe('shards, globs, determinism', () => {
  it('shardSize splits into numbered shards; a glob, a list or the single file read the same items', async () => {
    const src = new TextTensorDataset(text.files, { length: 10 });
    const out = join(tmp, 'sharded.tlpack');
    const r = await pack(src, out, { shardSize: 128, groupSize: 50 });
    expect(r.paths.map((p) => p.slice(tmp.length + 1))).toEqual([
      'sharded-00000-of-00003.tlpack',
      'sharded-00001-of-00003.tlpack',
      'sharded-00002-of-00003.tlpack',
    ]);
    const byGlob = new PackedDataset(join(tmp, 'sharded-*.tlpack'));
    expect(byGlob.shards.map((s) => [s.firstRecord, s.records])).toEqual([[0, 128], [128, 128], [256, 44]]);
    const byList = new PackedDataset([...r.paths].reverse());
    for (const i of [0, 127, 128, 255, 256, 299]) {
      expect(Array.from(byGlob.get(i).values! as ArrayLike<number>)).toEqual(Array.from(text.values[i]!));
      expect(Array.from(byList.get(i).values! as ArrayLike<number>)).toEqual(Array.from(text.values[i]!));
    }
    expect(() => new PackedDataset(r.paths.slice(0, 2))).toThrow(/shard 1 of 3 but 2 shards were given|shards were given/);
    expect(() => new PackedDataset([r.paths[0]!, r.paths[0]!, r.paths[2]!])).toThrow(/repeats shard 1; shard 2 is missing/);
    // Repacking with another shard count replaces the old set: no stale shard joins the glob.
    await pack(src, out, { shardSize: 200 });
    expect(readdirSync(tmp).filter((f) => f.startsWith('sharded')).sort()).toEqual(['sharded-00000-of-00002.tlpack', 'sharded-00001-of-00002.tlpack']);
    expect(new PackedDataset(join(tmp, 'sharded-*.tlpack')).length).toBe(300);
  });

  it('shards of two different packs are refused together', async () => {
    const a = await pack(new TextTensorDataset(text.files.slice(0, 20), { length: 10 }), join(tmp, 'a.tlpack'), { shardSize: 10 });
    const b = await pack(new TextTensorDataset(text.files.slice(20, 40), { length: 10 }), join(tmp, 'b.tlpack'), { shardSize: 10 });
    expect(() => new PackedDataset([a.paths[0]!, b.paths[1]!])).toThrow(/belongs to another pack/);
  });

  it('the same source and options give byte-identical files (raw, encoded, sharded), wherever the data lives and with any thread count', async () => {
    const imgs = join(tmp, 'imgs');
    const files = writeImageData(imgs, 40, 30, 5);
    const copy = join(tmp, 'imgs-copy');
    mkdirSync(copy);
    const copies = files.map((f, i) => { const to = join(copy, `img_${i}.png`); copyFileSync(f, to); return to; });
    for (const [name, encoded, shardSize] of [['raw', false, undefined], ['enc', true, undefined], ['shard', false, 16]] as const) {
      const one = await pack(new ImageFilesDataset(files, { size: 16, dtype: 'uint8', layout: 'HWC' }), join(tmp, `${name}-1.tlpack`), { encoded, shardSize });
      const two = await pack(new ImageFilesDataset(copies, { size: 16, dtype: 'uint8', layout: 'HWC' }), join(tmp, `${name}-2.tlpack`), { encoded, shardSize, threads: 1 });
      expect(one.paths.length).toBe(two.paths.length);
      one.paths.forEach((p, i) => expect(readFileSync(p).equals(readFileSync(two.paths[i]!))).toBe(true));
    }
  });

  it('opening maps each shard once and keeps no descriptor; readers leave the process as they found it', async () => {
    const fdsBefore = openDescriptorCount();
    const before = nativeCounters();
    const ds = new PackedDataset(join(tmp, 'sharded-*.tlpack'));
    expect(nativeCounters().liveMappings - before.liveMappings).toBe(2);
    expect(nativeCounters().openDescriptors).toBe(before.openDescriptors);
    expect(openDescriptorCount()).toBe(fdsBefore);
    const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, seed: 9 });
    for (let e = 0; e < 3; e++) for await (const _ of loader) void _;
    loader.close();
    expect(openDescriptorCount()).toBe(fdsBefore);
    expect(nativeCounters().slotsLeased).toBe(before.slotsLeased);
  });
});

describe('errors', () => {
  it('a missing file, a folder, an empty file and a file of something else are refused with their path', () => {
    const empty = join(tmp, 'empty.tlpack');
    writeFileSync(empty, '');
    const other = join(tmp, 'other.tlpack');
    writeFileSync(other, 'x'.repeat(500));
    const cases: Array<[string, string]> = [[join(tmp, 'nope.tlpack'), 'ENOENT'], [tmp, 'EISDIR'], [empty, 'EEMPTY'], [other, 'EFORMAT']];
    for (const [path, code] of cases) {
      let err: TensorLoaderError | undefined;
      try {
        new PackedDataset(path);
      } catch (e) {
        err = e as TensorLoaderError;
      }
      expect(err?.code, path).toBe(code);
      expect(err?.message).toContain(path);
    }
    expect(() => new PackedDataset(join(tmp, 'zzz-*.tlpack'))).toThrow(/no file matches/);
  });

  it('pack refuses encoded for non-image sources, and a bad image stops the pack (ItemError with index and path) or is skipped', async () => {
    await expect(pack(new TextTensorDataset(text.files, { length: 10 }), join(tmp, 'x.tlpack'), { encoded: true })).rejects.toThrow(/only image datasets/);
    const dir = join(tmp, 'withbad');
    const files = writeImageData(dir, 6, 20, 1);
    writeFileSync(files[3]!, readFileSync(files[3]!).subarray(0, 60));
    const src = new ImageFilesDataset(files, { size: 8, dtype: 'uint8', layout: 'HWC', labels: [0, 1, 2, 3, 4, 5] });
    const out = join(tmp, 'withbad.tlpack');
    await expect(pack(src, out)).rejects.toMatchObject({ name: 'ItemError', index: 3, path: files[3] });
    expect(readdirSync(tmp).includes('withbad.tlpack')).toBe(false);
    const r = await pack(src, out, { onError: 'skip', encoded: true });
    expect(r.records).toBe(5);
    expect(r.skipped.map((e) => e.index)).toEqual([3]);
    const packed = new PackedDataset(out, { image: { dtype: 'uint8', layout: 'HWC' } });
    expect(Array.from({ length: 5 }, (_, i) => packed.get(i).label![0])).toEqual([0, 1, 2, 4, 5]);
    expect(bytes(packed.get(3).image!).equals(bytes(src.get(4)))).toBe(true);
  });
});
