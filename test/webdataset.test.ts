// WebDataset tar shards written in the test setup by Python's tarfile and by GNU tar (gnu and
// pax formats), from images PIL made of the shared photos: image values equal ImageFilesDataset
// on the extracted members, labels equal the .cls files, npy fields equal what numpy wrote,
// json/txt come through meta(); cut, corrupt and incomplete shards give typed errors.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, expandShards, ImageFilesDataset, ItemError, nativeCounters, pack, PackedDataset, ShardOrderSampler, TensorLoaderError, WebDataset } from '../src/index.js';
import { havePhotos, photos } from './helpers/images.js';

const SAMPLES = 12;
const PER_SHARD = 5;
const image = { size: [48, 40] as [number, number], fit: 'cover' as const };
let dir = '';

function thrown(fn: () => unknown): TensorLoaderError {
  try {
    fn();
  } catch (e) {
    return e as TensorLoaderError;
  }
  throw new Error('expected an error');
}

describe.skipIf(!havePhotos)('WebDataset', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tl-wds-'));
    // Python and GNU tar are not ours: under npm run test:asan they run without the preloaded sanitizer.
    const env = { ...process.env };
    delete env.LD_PRELOAD;
    execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'helpers', 'make-webdataset.py'), photos, dir, String(SAMPLES), String(PER_SHARD)], { env });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const members = (ext: string) =>
    readdirSync(join(dir, 'members'))
      .filter((n) => n.endsWith(`.${ext}`))
      .sort();
  const imageMembers = () => readdirSync(join(dir, 'members')).filter((n) => /\.(jpg|png)$/.test(n)).sort();

  it.each([
    ['tarfile shards by brace pattern', () => join(dir, `py-{000000..000002}.tar`)],
    ['tarfile shards by glob', () => join(dir, 'py-*.tar')],
    ['GNU tar, gnu format', () => join(dir, 'gnutar-gnu.tar')],
    ['GNU tar, pax format', () => join(dir, 'gnutar-pax.tar')],
  ])('%s: images equal ImageFilesDataset on the members, labels the .cls files', async (_name, spec) => {
    const ds = new WebDataset(spec(), { image, fields: { image: 'jpg;png', label: 'cls', vec: 'npy' } });
    expect(ds.length).toBe(SAMPLES);
    expect(ds.fields.map((f) => [f.name, f.dtype, f.shape])).toEqual([
      ['image', 'float32', [3, 48, 40]],
      ['label', 'int32', []],
      ['vec', 'float32', [4]],
    ]);
    const files = new ImageFilesDataset(imageMembers().map((n) => join(dir, 'members', n)), image);
    const labels = members('cls').map((n) => Number(readFileSync(join(dir, 'members', n), 'utf8').trim()));
    for (let i = 0; i < SAMPLES; i++) {
      const item = ds.get(i);
      expect(ds.key(i)).toBe(`sample${String(i).padStart(6, '0')}`);
      expect(Array.from(item.image as Float32Array)).toEqual(Array.from(files.get(i)));
      expect(item.label![0]).toBe(labels[i]);
      expect(Array.from(item.vec as Float32Array)).toEqual([0, 1, 2, 3].map((v) => v + i));
    }
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 3, threads: 2 });
    const seen: number[] = [];
    for await (const batch of loader) {
      expect(Array.from(batch.labels!)).toEqual(Array.from(batch.indices, (i) => labels[i]));
      const plane = 3 * 48 * 40;
      const data = batch.fields.image!.data as Float32Array;
      for (let r = 0; r < batch.size; r++) {
        expect(Array.from(data.subarray(r * plane, (r + 1) * plane))).toEqual(Array.from(files.get(batch.indices[r]!)));
      }
      seen.push(...batch.indices);
    }
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(SAMPLES).keys()]);
    loader.close();
  });

  it('shards number their samples in order and meta() returns key, shard and text members', () => {
    const ds = new WebDataset(join(dir, 'py-*.tar'), { image });
    expect(ds.shards.map((s) => [s.firstSample, s.samples])).toEqual([
      [0, 5],
      [5, 5],
      [10, 2],
    ]);
    const m = ds.meta(7);
    expect(m.__key__).toBe('sample000007');
    expect(m.__url__).toBe(join(dir, 'py-000001.tar'));
    expect(m.json).toEqual({ i: 7, source: expect.any(String) });
    expect(m.txt).toBe('caption 7');
    expect(ds.fields.map((f) => f.name)).toEqual(['image', 'label']);
  });

  it('two ranks in the shard-aware order: equal batches, the union is the epoch, each reads its shards', async () => {
    const ds = new WebDataset(join(dir, 'py-*.tar'), { fields: { label: 'cls' } });
    // Image options with no image field do not apply: an error, not ignored.
    expect(() => new WebDataset(join(dir, 'py-*.tar'), { image, fields: { label: 'cls' } })).toThrow(/image: no image field to apply it to/);
    const shardOf = (i: number) => ds.shards.filter((s) => s.firstSample <= i).length - 1;
    const ranks = await Promise.all(
      [0, 1].map(async (rank) => {
        const sampler = new ShardOrderSampler(ds, { rank, worldSize: 2, seed: 4, streams: 2 });
        const loader = new DataLoader(ds, { sampler, batchSize: 2 });
        const seen: number[] = [];
        let batches = 0;
        for await (const batch of loader) {
          expect(Array.from(batch.labels!)).toEqual(Array.from(batch.indices, (i) => i % 5));
          seen.push(...batch.indices);
          batches++;
        }
        loader.close();
        return { seen, batches };
      }),
    );
    expect(ranks[0]!.batches).toBe(ranks[1]!.batches);
    expect(new Set([...ranks[0]!.seen, ...ranks[1]!.seen]).size).toBe(SAMPLES);
    // 3 shards, 2 streams: each rank's stream is half the permuted shards, so at most 2 of them.
    for (const r of ranks) expect(new Set(r.seen.map(shardOf)).size).toBeLessThanOrEqual(2);
  });

  it('packs into a PackedDataset that reads back the same fields, bit for bit', async () => {
    const ds = new WebDataset(join(dir, 'py-*.tar'), { image: { ...image, dtype: 'uint8', layout: 'HWC' }, fields: { image: 'jpg;png', label: 'cls', vec: 'npy' } });
    const out = join(dir, 'packed.tlpack');
    await pack(ds, out);
    const packed = new PackedDataset(out);
    expect(packed.length).toBe(SAMPLES);
    expect(packed.fields.map((f) => f.name)).toEqual(['image', 'label', 'vec']);
    for (let i = 0; i < SAMPLES; i++) {
      const a = ds.get(i);
      const b = packed.get(i);
      for (const k of ['image', 'label', 'vec'] as const) expect(Array.from(b[k] as Uint8Array)).toEqual(Array.from(a[k] as Uint8Array));
    }
    await expect(pack(ds, join(dir, 'enc.tlpack'), { encoded: true })).rejects.toThrow(/tar members are not files/);
  });

  it('tensorloader pack takes tar shards by brace pattern', () => {
    const out = join(dir, 'cli.tlpack');
    const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'pack', join(dir, 'py-{000000..000002}.tar'), out, '--size', '16x12', '--quiet'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const packed = new PackedDataset(out);
    expect(packed.fields.map((f) => [f.name, f.shape])).toEqual([
      ['image', [16, 12, 3]],
      ['label', []],
    ]);
    expect(Array.from({ length: SAMPLES }, (_, i) => packed.get(i).label![0])).toEqual(Array.from({ length: SAMPLES }, (_, i) => i % 5));
  });

  it('opens and closes without holding descriptors; mappings go with the dataset', () => {
    const before = nativeCounters().openDescriptors;
    const ds = new WebDataset(join(dir, 'gnutar-pax.tar'), { fields: { label: 'cls' } });
    expect(ds.get(3).label![0]).toBe(3);
    expect(nativeCounters().openDescriptors).toBe(before);
  });

  it('a cut shard, a corrupt header and a missing field are typed errors naming the shard', () => {
    const cut = join(dir, 'cut.tar');
    copyFileSync(join(dir, 'py-000000.tar'), cut);
    truncateSync(cut, 3000);
    let e = thrown(() => new WebDataset(cut, { image }));
    expect(e).toBeInstanceOf(TensorLoaderError);
    expect(e.code).toBe('ETRUNCATED');
    expect(e.message).toContain('cut.tar');

    const bad = join(dir, 'bad.tar');
    const bytes = readFileSync(join(dir, 'py-000001.tar'));
    bytes[3] ^= 0x20; // inside the first header's name: its checksum no longer matches
    writeFileSync(bad, bytes);
    e = thrown(() => new WebDataset(bad, { image }));
    expect(e.code).toBe('EFORMAT');
    expect(e.message).toContain('checksum');
    expect(e.message).toContain('bad.tar');

    e = thrown(() => new WebDataset(join(dir, 'py-000000.tar'), { image, fields: { image: 'jpg;png', seg: 'seg.png' } }));
    expect(e.code).toBe('ENOENT');
    expect(e.message).toContain('py-000000.tar#sample000000');
    expect(e.message).toContain("field 'seg'");
  });

  it('a corrupt image member fails its item, naming shard#member', async () => {
    const path = join(dir, 'corrupt.tar');
    const bytes = readFileSync(join(dir, 'py-000000.tar'));
    // Overwrite the middle of the first JPEG's data with garbage (headers stay valid).
    const at = bytes.indexOf(Buffer.from([0xff, 0xd8, 0xff]));
    bytes.fill(0x41, at + 200, at + 2000);
    writeFileSync(path, bytes);
    const ds = new WebDataset(path, { image });
    const e = thrown(() => ds.get(0));
    expect(e).toBeInstanceOf(ItemError);
    expect(e.message).toContain('corrupt.tar#sample000000.jpg');
    const loader = new DataLoader(ds, { batchSize: 5, onError: 'skip' });
    let rows = 0;
    for await (const batch of loader) rows += batch.size;
    expect(rows).toBe(4);
    expect(loader.errors[0]!.message).toContain('#sample000000.jpg');
    loader.close();
  });

  it('refuses URLs without the cache, unknown extensions and missing image options', () => {
    expect(thrown(() => new WebDataset('https://example.com/train-{0..3}.tar', { image })).code).toBe('EREMOTE');
    expect(thrown(() => new WebDataset(join(dir, 'py-000000.tar'), { image, fields: { caption: 'txt' } })).code).toBe('ERR_INVALID_ARG');
    expect(thrown(() => new WebDataset(join(dir, 'py-000000.tar'))).message).toContain('options.image');
    expect(thrown(() => new WebDataset(join(dir, 'nope-*.tar'), { image })).code).toBe('ENOENT');
  });
});

describe('expandShards', () => {
  it('expands zero-padded ranges, lists and globs in order; refuses blow-ups and repeats', () => {
    expect(expandShards('/d/train-{000008..000011}.tar')).toEqual(['/d/train-000008.tar', '/d/train-000009.tar', '/d/train-000010.tar', '/d/train-000011.tar']);
    expect(expandShards(['/d/a-{0,1}.tar', 's3://bucket/b-{00..01}.tar'])).toEqual(['/d/a-0.tar', '/d/a-1.tar', 's3://bucket/b-00.tar', 's3://bucket/b-01.tar']);
    expect(thrown(() => expandShards('/d/x-{0..999}{0..999}{0..999}.tar')).code).toBe('ETOOLARGE');
    expect(thrown(() => expandShards(['/d/a.tar', '/d/a.tar'])).code).toBe('ERR_INVALID_ARG');
    expect(thrown(() => expandShards([])).code).toBe('ERR_INVALID_ARG');
  });
});
