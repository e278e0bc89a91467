// Values must equal what numpy reads from the same files, bit for bit. The fixtures and their
// expected float32 bits were produced by scripts/fixtures/make_text_fixtures.py with numpy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataLoader, TextTensorDataset } from '../src/index.js';

const root = join(import.meta.dirname, 'fixtures', 'text');
const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as {
  files: Record<string, { values: number[]; bits: string[] }>;
};

function bitsOf(values: Float32Array): string[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length), (b) => b.toString(16).padStart(8, '0'));
}

describe('TextTensorDataset values against numpy', () => {
  const byLength = new Map<number, string[]>();
  for (const [rel, e] of Object.entries(expected.files)) {
    const list = byLength.get(e.values.length) ?? [];
    list.push(rel);
    byLength.set(e.values.length, list);
  }

  it('has fixtures of several shapes', () => {
    expect(Object.keys(expected.files).length).toBeGreaterThanOrEqual(24);
    expect(byLength.size).toBeGreaterThanOrEqual(2);
  });

  for (const [length, rels] of byLength) {
    it(`get(i) matches numpy's float32 bits for ${rels.length} files of ${length} values`, () => {
      const ds = new TextTensorDataset(rels.map((r) => join(root, r)), { length });
      rels.forEach((rel, i) => {
        expect(bitsOf(ds.get(i)), rel).toEqual(expected.files[rel]!.bits);
      });
    });

    it(`loader batches of ${length}-value files match numpy row by row`, async () => {
      const ds = new TextTensorDataset(rels.map((r) => join(root, r)), { length });
      await using loader = new DataLoader(ds, { batchSize: 5, threads: 2 });
      let rows = 0;
      for await (const batch of loader) {
        expect(batch.shape).toEqual([batch.indices.length, length]);
        for (let r = 0; r < batch.size; r++) {
          const rel = rels[batch.indices[r]!]!;
          expect(bitsOf(batch.data.subarray(r * length, (r + 1) * length)), rel).toEqual(expected.files[rel]!.bits);
          rows++;
        }
      }
      expect(rows).toBe(rels.length);
    });
  }

  it('reads a folder in natural order (data_2 before data_10)', () => {
    const ds = new TextTensorDataset(join(root, 'numpy'), { length: 10 });
    expect(ds.length).toBe(24);
    expect(ds.files.slice(0, 3).map((f) => f.split('/').pop())).toEqual(['data_0.txt', 'data_1.txt', 'data_2.txt']);
    expect(ds.files[10]!.endsWith('data_10.txt')).toBe(true);
    expect(bitsOf(ds.get(10))).toEqual(expected.files['numpy/data_10.txt']!.bits);
  });
});
