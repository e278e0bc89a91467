// Options and indices that would otherwise lie: a timeout that never fires, indices that wrap
// in a Uint32Array, an epoch the native side cannot hold, a field name that is also an
// Object.prototype key. Each is refused at construction (or at the index) with an error that
// names the value given, or, for the field name, kept as a plain key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImageData } from '../examples/data.js';
import {
  DataLoader,
  FieldsDataset,
  ImageFilesDataset,
  ImageFolderDataset,
  IterableDataset,
  NpyDataset,
  PackedDataset,
  pack,
  SubsetRandomSampler,
  TextTensorDataset,
  WebDataset,
} from '../src/index.js';
import { makeTextFolder } from './helpers/text-files.js';

const text = makeTextFolder(12, 4, 3);
const npyDir = join(import.meta.dirname, 'fixtures', 'npy');
const tmp = mkdtempSync(join(tmpdir(), 'tl-options-'));
afterAll(() => {
  text.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});
const ds = () => new TextTensorDataset(text.files, { length: 4 });

describe('DataLoader options', () => {
  it('slotTimeoutMs must be a finite number: "x" is a TypeError, NaN, Infinity and -1 RangeErrors, at construction', () => {
    expect(() => new DataLoader(ds(), { slotTimeoutMs: 'x' as never })).toThrow(TypeError);
    expect(() => new DataLoader(ds(), { slotTimeoutMs: 'x' as never })).toThrow(/slotTimeoutMs must be a number of milliseconds, got string x/);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, -1]) {
      expect(() => new DataLoader(ds(), { slotTimeoutMs: v }), String(v)).toThrow(RangeError);
    }
    new DataLoader(ds(), { slotTimeoutMs: 0 }).close();
  });

  it('epoch -1, 1.5 or 2^32 is refused at construction', () => {
    for (const epoch of [-1, 1.5, 2 ** 32, Number.NaN]) {
      expect(() => new DataLoader(ds(), { epoch }), String(epoch)).toThrow(/epoch must be an integer in \[0, 2\^32 - 1\]/);
    }
    new DataLoader(ds(), { epoch: 2 ** 32 - 1 }).close();
  });
});

describe('sampler indices', () => {
  it('2^32 and above, fractions and negatives are refused naming the index given (1e20 as 1e20), never wrapped to another item', async () => {
    for (const [index, shown] of [
      [2 ** 32, '4294967296'],
      [2 ** 32 + 1, '4294967297'],
      [1e20, '1e+20'],
      [-1, '-1'],
      [0.5, '0.5'],
    ] as const) {
      const loader = new DataLoader(ds(), { sampler: [0, index] });
      const err = await loader[Symbol.asyncIterator]()
        .next()
        .then(() => undefined, (e: unknown) => e as Error);
      expect(err, String(index)).toBeInstanceOf(RangeError);
      expect(err!.message).toContain(shown);
      loader.close();
      expect(() => new SubsetRandomSampler([index])).toThrow(new RegExp(shown.replace('+', '\\+')));
    }
  });

  it('a custom Sampler that returns plain numbers is checked the same way', async () => {
    const sampler = { length: 2, indices: () => [1, 2 ** 32 + 1] as unknown as Uint32Array };
    const loader = new DataLoader(ds(), { sampler });
    await expect(loader[Symbol.asyncIterator]().next()).rejects.toThrow(/got 4294967297/);
    loader.close();
  });
});

describe("a field named '__proto__'", () => {
  it('stays in batch.fields and get(i), through a loader and a packed file', async () => {
    const x = new NpyDataset(join(npyDir, 'f4_v1.npy'));
    const parts = Object.fromEntries([
      ['__proto__', x],
      ['constructor', new NpyDataset(join(npyDir, 'pair_y.npy'))],
    ]);
    const pair = new FieldsDataset(parts);
    expect(pair.fields!.map((f) => f.name)).toEqual(['__proto__', 'constructor']);
    const loader = new DataLoader(pair, { batchSize: 3 });
    let batches = 0;
    for await (const batch of loader) {
      expect(Object.keys(batch.fields)).toEqual(['__proto__', 'constructor']);
      expect(Object.hasOwn(batch.fields, '__proto__')).toBe(true);
      expect(batch.fields['__proto__']!.data).toBeInstanceOf(Float32Array);
      expect(batch.fields['__proto__']!.shape).toEqual([batch.size, 10]);
      batches++;
    }
    expect(batches).toBe(2);
    loader.close();
    const out = join(tmp, 'proto.tlpack');
    await pack(pair, out);
    const packed = new PackedDataset(out);
    expect(Object.hasOwn(packed.get(0), '__proto__')).toBe(true);
    expect(packed.get(0)['__proto__']).toBeInstanceOf(Float32Array);
    const l2 = new DataLoader(packed, { batchSize: 2 });
    for await (const batch of l2) expect(Object.keys(batch.fields)).toEqual(['__proto__', 'constructor']);
    l2.close();
  });
});

describe('options that do not apply are errors, never ignored', () => {
  const js = { length: 4, get: (i: number) => i };
  it('DataLoader: unknown names, and options of the other kind of dataset', () => {
    expect(() => new DataLoader(ds(), { batchsize: 4 } as never)).toThrow(/DataLoader: unknown option 'batchsize'/);
    expect(() => new DataLoader(ds(), { collate: (x: unknown[]) => x })).toThrow(/collate does not apply: a native dataset/);
    expect(() => new DataLoader(ds(), { shuffleBuffer: 8 })).toThrow(/shuffleBuffer does not apply/);
    for (const option of ['threads', 'slots', 'memoryBudget', 'shuffleBuffer'] as const) {
      expect(() => new DataLoader(js, { [option]: 2 }), option).toThrow(new RegExp(`${option} does not apply: a JS dataset`));
    }
    expect(() => new DataLoader(new IterableDataset(() => [1, 2]), { threads: 2 })).toThrow(/threads does not apply/);
    new DataLoader(new IterableDataset(() => [1, 2]), { shuffle: true, shuffleBuffer: 2 }).close();
    new DataLoader(js, { collate: (x: number[]) => x, batchSize: 2 }).close();
    new DataLoader(ds(), { threads: 1, slots: 3, memoryBudget: 2 ** 30 }).close();
  });

  it('datasets and pack(): unknown option names, image options without an image field', async () => {
    const root = join(tmp, 'images');
    writeImageData(join(root, 'a'), 1, 8, 1);
    expect(() => new ImageFolderDataset(root, { size: 8, sizee: 4 } as never)).toThrow(/ImageFolderDataset: unknown option 'sizee'/);
    expect(() => new ImageFilesDataset([join(root, 'a', 'img_0.png')], { size: 8, label: [0] } as never)).toThrow(/ImageFilesDataset: unknown option 'label'/);
    expect(() => new ImageFolderDataset(root, { size: 8, cropFraction: 0.875 })).toThrow(/cropFraction applies to fit 'cover' \(fit is 'fill'\)/);
    expect(() => new ImageFolderDataset(root, { size: 8, fit: 'cover', pad: 3 })).toThrow(/pad applies to fit 'contain' \(fit is 'cover'\)/);
    new ImageFolderDataset(root, { size: 8, fit: 'cover', cropFraction: 0.875 });
    new ImageFolderDataset(root, { size: 8, fit: 'contain', pad: 3 });
    expect(() => new ImageFolderDataset(root, { size: 8, channels: 4, background: 255 })).toThrow(/background .*channels 4 keeps alpha/);
    new ImageFolderDataset(root, { size: 8, channels: 3, background: 255 });
    expect(() => new TextTensorDataset(text.files, { length: 4, lenght: 4 } as never)).toThrow(/TextTensorDataset: unknown option 'lenght'/);
    await expect(pack(ds(), join(tmp, 'x.tlpack'), { shardsize: 2 } as never)).rejects.toThrow(/pack: unknown option 'shardsize'/);
    expect(() => new WebDataset(join(tmp, 'none.tar'), { feilds: {} } as never)).toThrow(/WebDataset: unknown option 'feilds'/);
    expect(() => new WebDataset(join(tmp, 'none.tar'), { image: { size: 8, sizee: 2 } as never })).toThrow(/WebDataset image: unknown option 'sizee'/);
    await pack(ds(), join(tmp, 'values.tlpack'));
    expect(() => new PackedDataset(join(tmp, 'values.tlpack'), { image: { dtyp: 'float32' } as never })).toThrow(/PackedDataset image: unknown option 'dtyp'/);
  });
});
