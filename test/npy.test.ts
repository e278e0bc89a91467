// .npy files written by real numpy (scripts/fixtures/make_npy_fixtures.py): every supported
// dtype and header version reads back exactly; unsupported or broken files give clear errors.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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

// A .npy file as numpy lays it out (magic, version 1, header length, the dict padded with
// spaces to 64 bytes and ended by '\n', then data), with whatever dict text the case needs.
function npyFile(dict: string, dataBytes: number): Buffer {
  let header = dict;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const len = Buffer.alloc(2);
  len.writeUInt16LE(header.length);
  return Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), len, Buffer.from(header, 'latin1'), Buffer.alloc(dataBytes)]);
}

describe('NpyDataset header: the Python literal numpy reads, nothing looser', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'tl-npy-header-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, dict: string) => {
    const path = join(tmp, `${name}.npy`);
    writeFileSync(path, npyFile(dict, 16));
    return path;
  };

  it('reads a header numpy writes, keys in any order and either quote', () => {
    for (const dict of [
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
      '{"shape": (2, 2), "descr": "<f4", "fortran_order": False}',
    ]) {
      const ds = new NpyDataset(write('good', dict));
      expect(ds.shape).toEqual([2, 2]);
      expect(ds.dtype).toBe('float32');
    }
  });

  // Each of these numpy refuses too (np.load raises ValueError), except the duplicate key,
  // which numpy resolves silently to the last value: a header that says two things is refused.
  it.each([
    ['descr only inside another value', "{'shape': (4,), 'fortran_order': False, 'x': \"'descr': '<f4'\"}", /unexpected key 'x'/],
    ['a duplicate key', "{'descr': '|u1', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", /duplicate key/],
    ['false in lower case', "{'descr': '<f4', 'fortran_order': false, 'shape': (4,)}", /not a Python literal/],
    ['fortran_order 0', "{'descr': '<f4', 'fortran_order': 0, 'shape': (4,)}", /neither True nor False/],
    ['a doubled comma in the shape', "{'descr': '<f4', 'fortran_order': False, 'shape': (4,,)}", /not a Python literal/],
    ['an unclosed shape', "{'descr': '<f4', 'fortran_order': False, 'shape': (4}", /expected ',' or '\)'/],
    ['a shape that is an int', "{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", /'shape' is not a tuple/],
    ['a missing key', "{'descr': '<f4', 'shape': (4,)}", /no 'fortran_order'/],
    ['trailing garbage', "{'descr': '<f4', 'fortran_order': False, 'shape': (4,)} x", /trailing characters/],
  ])('refuses %s with EFORMAT', (_name, dict, why) => {
    const path = write('bad', dict);
    let err: unknown;
    try {
      new NpyDataset(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TensorLoaderError);
    expect((err as TensorLoaderError).code).toBe('EFORMAT');
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain(path);
  });
});
