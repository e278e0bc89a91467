// .npy files written by real numpy (scripts/fixtures/make_npy_fixtures.py): every supported
// dtype and header version reads back exactly; unsupported or broken files give clear errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataLoader, NpyDataset, nativeCounters, openDescriptorCount, TensorLoaderError } from '../src/index.js';

const dir = join(import.meta.dirname, 'fixtures', 'npy');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as {
  good: Record<string, { shape: number[]; dtype: string; values: Array<number | string> }>;
  bad: Record<string, string>;
};

const asValues = (a: ArrayLike<number | bigint>) => Array.from(a as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? String(v) : v));

describe('NpyDataset', () => {
  it.each(Object.keys(expected.good))('%s reads back what numpy wrote, row by row and through a loader', async (name) => {
    const e = expected.good[name]!;
    const ds = new NpyDataset(join(dir, name));
    expect(ds.shape).toEqual(e.shape);
    expect(ds.dtype).toBe(e.dtype);
    expect(ds.length).toBe(e.shape[0]);
    const rowSize = e.shape.slice(1).reduce((a, b) => a * b, 1);
    const rows = Array.from({ length: ds.length }, (_, i) => asValues(ds.get(i)));
    expect(rows.flat()).toEqual(e.values.map((v) => (typeof v === 'number' && e.dtype === 'float32' ? Math.fround(v) : v)));
    const loader = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 1 });
    for await (const batch of loader) {
      expect(batch.shape).toEqual([batch.size, ...e.shape.slice(1)]);
      for (let r = 0; r < batch.size; r++) {
        expect(asValues((batch.data as any).subarray(r * rowSize, (r + 1) * rowSize))).toEqual(rows[batch.indices[r]!]);
      }
    }
    loader.close();
  });

  it.each(Object.entries(expected.bad))('%s is refused with %s', (name, code) => {
    let err: unknown;
    try {
      new NpyDataset(join(dir, name));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TensorLoaderError);
    expect((err as TensorLoaderError).code).toBe(code);
    expect((err as Error).message).toContain(name);
  });

  it('says what to do with Fortran order and big-endian data', () => {
    expect(() => new NpyDataset(join(dir, 'fortran.npy'))).toThrow(/np\.ascontiguousarray/);
    expect(() => new NpyDataset(join(dir, 'big_endian.npy'))).toThrow(/big-endian/);
    expect(() => new NpyDataset(join(dir, 'missing.npy'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('maps each file once, keeps no descriptor, and unmaps when collected', async () => {
    const settle = async () => {
      for (let i = 0; i < 4; i++) {
        globalThis.gc?.();
        await new Promise((r) => setImmediate(r));
      }
    };
    await settle(); // the datasets of earlier tests go first
    const fds = openDescriptorCount();
    const before = nativeCounters().liveMappings;
    let ds: NpyDataset | undefined = new NpyDataset(join(dir, 'f4_v1.npy'));
    expect(nativeCounters().liveMappings).toBe(before + 1);
    expect(openDescriptorCount()).toBe(fds);
    expect(ds.get(0).length).toBe(10);
    ds = undefined;
    await settle();
    expect(nativeCounters().liveMappings).toBe(before);
  });
});
