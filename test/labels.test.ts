// Labels and conversion: a number label from a JS dataset is packed as int32 and fills
// batch.labels; labelField and classes on pack(), FieldsDataset and NpyDataset.fields; class
// order on ImageFolderDataset; pixel conversion for any uint8 image-shaped packed field; and
// options that do not apply are errors, never ignored.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImageData } from '../examples/data.js';
import { writeNpy } from '../examples/npy.js';
import { DataLoader, FieldsDataset, ImageFolderDataset, NpyDataset, pack, PackedDataset, type Batch } from '../src/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-labels-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pixelsOf = (i: number) => Uint8Array.from({ length: 4 * 4 * 3 }, (_, k) => (i * 7 + k * 3) % 256);
const jsImages = { length: 10, get: (i: number) => ({ image: { data: pixelsOf(i), shape: [4, 4, 3] }, label: i % 3 }) };

async function all(loader: DataLoader<any>): Promise<Batch<any>[]> {
  const out: Batch<any>[] = [];
  for await (const b of loader) out.push(b.retain());
  return out;
}

describe('labels from JS datasets', () => {
  it('a plain number label is packed as int32 and fills batch.labels; classes are kept', async () => {
    const out = join(dir, 'js.tlpack');
    const r = await pack(jsImages, out, { classes: ['cat', 'dog', 'bird'] });
    expect(r.fields.find((f) => f.name === 'label')).toMatchObject({ dtype: 'int32', shape: [] });
    const ds = new PackedDataset(out);
    expect(ds.labelField).toBe('label');
    expect(ds.classes).toEqual(['cat', 'dog', 'bird']);
    const loader = new DataLoader(ds, { batchSize: 4 });
    for (const b of await all(loader)) {
      expect(Array.from(b.labels!)).toEqual(Array.from(b.indices, (i) => i % 3));
      b.release();
    }
    loader.close();
  });

  it('labelField names another key; a label that is not a non-negative integer, or past the classes, is an error', async () => {
    const ds = { length: 4, get: (i: number) => ({ x: Float32Array.of(i, i), y: 3 - i }) };
    await pack(ds, join(dir, 'y.tlpack'), { labelField: 'y' });
    const packed = new PackedDataset(join(dir, 'y.tlpack'));
    expect(packed.labelField).toBe('y');
    const loader = new DataLoader(packed, { batchSize: 4 });
    const [b] = await all(loader);
    expect(Array.from(b!.labels!)).toEqual([3, 2, 1, 0]);
    b!.release();
    loader.close();
    await expect(pack({ length: 2, get: () => ({ x: Float32Array.of(1), label: 0.5 }) }, join(dir, 'bad.tlpack'))).rejects.toThrow(/non-negative integer/);
    await expect(pack({ length: 2, get: () => ({ x: Float32Array.of(1) }) }, join(dir, 'bad.tlpack'), { labelField: 'y' })).rejects.toThrow(/no label field 'y'/);
    await expect(pack(jsImages, join(dir, 'bad.tlpack'), { classes: ['a', 'b'] })).rejects.toThrow(/label 2 has no name/);
    await expect(pack(jsImages, join(dir, 'bad.tlpack'), { classes: ['a', 'a', 'b'] })).rejects.toThrow(/distinct/);
  });
});

describe('pixel conversion of packed uint8 image-shaped fields', () => {
  it('converts a JS-packed uint8 [H, W, C] field to float32 CHW with scale/mean/std', async () => {
    const ds = new PackedDataset(join(dir, 'js.tlpack'), { image: { dtype: 'float32', scale: 1 / 255, mean: 0.5, std: 0.25 } });
    expect(ds.fields[0]).toMatchObject({ name: 'image', dtype: 'float32', shape: [3, 4, 4] });
    const item = ds.get(2);
    const hwc = pixelsOf(2);
    const expected = Array.from({ length: 48 }, (_, k) => {
      const c = Math.floor(k / 16);
      const p = k % 16;
      return (hwc[p * 3 + c]! / 255 - 0.5) / 0.25;
    });
    Array.from(item.image as Float32Array).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 5));
  });

  it('converts a grey uint8 [H, W] field (MNIST-like) too', async () => {
    const grey = { length: 3, get: (i: number) => ({ image: { data: Uint8Array.from({ length: 6 }, (_, k) => i * 10 + k), shape: [2, 3] }, label: i }) };
    await pack(grey, join(dir, 'grey.tlpack'));
    const ds = new PackedDataset(join(dir, 'grey.tlpack'), { image: { dtype: 'float32', scale: 1 / 10 } });
    expect(ds.fields[0]).toMatchObject({ dtype: 'float32', shape: [1, 2, 3] });
    expect(Array.from(ds.get(2).image as Float32Array).map((v) => Math.round(v * 100) / 100)).toEqual([2, 2.1, 2.2, 2.3, 2.4, 2.5]);
  });

  it('image options on a file with no field they apply to, unknown options and bad label fields are errors', async () => {
    await pack({ length: 2, get: (i: number) => ({ x: Float32Array.of(i, i, i), label: i }) }, join(dir, 'values.tlpack'));
    expect(() => new PackedDataset(join(dir, 'values.tlpack'), { image: { dtype: 'float32' } })).toThrow(/no field to apply it to/);
    expect(() => new PackedDataset(join(dir, 'values.tlpack'), { images: {} } as any)).toThrow(/unknown option 'images'/);
    expect(() => new PackedDataset(join(dir, 'values.tlpack'), { labelField: 'x' })).toThrow(/labels are int32 \(or uint8\) scalars/);
    expect(() => new PackedDataset(join(dir, 'values.tlpack'), { labelField: 'nope' })).toThrow(/no field 'nope'/);
  });
});

describe('labelField and classes on FieldsDataset and NpyDataset.fields', () => {
  it('fills batch.labels from the named int32 field, and refuses fields that are not int32 scalars', async () => {
    writeNpy(join(dir, 'x.npy'), Float32Array.from({ length: 12 }, (_, i) => i), [6, 2]);
    writeNpy(join(dir, 'target.npy'), Int32Array.from([1, 0, 1, 1, 0, 0]), [6]);
    writeNpy(join(dir, 'target64.npy'), Float64Array.from([1, 0, 1, 1, 0, 0]), [6]);
    const ds = NpyDataset.fields({ x: join(dir, 'x.npy'), target: join(dir, 'target.npy') }, { labelField: 'target', classes: ['no', 'yes'] });
    expect(ds.labelField).toBe('target');
    expect(ds.classes).toEqual(['no', 'yes']);
    const loader = new DataLoader(ds, { batchSize: 6 });
    const [b] = await all(loader);
    expect(Array.from(b!.labels!)).toEqual([1, 0, 1, 1, 0, 0]);
    b!.release();
    loader.close();
    expect(() => NpyDataset.fields({ x: join(dir, 'x.npy'), target: join(dir, 'target64.npy') }, { labelField: 'target' })).toThrow(/int32 scalars/);
    expect(() => NpyDataset.fields({ x: join(dir, 'x.npy') }, { classes: ['a'] })).toThrow(/no label field/);
    expect(() => new FieldsDataset({ x: new NpyDataset(join(dir, 'x.npy')) }, { label: 'x' } as any)).toThrow(/unknown option 'label'/);
  });
});

describe('ImageFolderDataset classes', () => {
  it('gives folders the labels asked for, by order or by map, and refuses incomplete or unknown ones', () => {
    const root = join(dir, 'folder');
    for (const c of ['trouser', 'tshirt']) {
      mkdirSync(join(root, c), { recursive: true });
      writeImageData(join(root, c), 2, 8, c.length);
    }
    const sorted = new ImageFolderDataset(root, { size: 8 });
    expect(sorted.classes).toEqual(['trouser', 'tshirt']);
    const ordered = new ImageFolderDataset(root, { size: 8, classes: ['tshirt', 'trouser'] });
    expect(ordered.classes).toEqual(['tshirt', 'trouser']);
    expect(ordered.classToIndex).toEqual({ tshirt: 0, trouser: 1 });
    ordered.files.forEach((f, i) => expect(ordered.labels![i]).toBe(f.includes('/tshirt/') ? 0 : 1));
    const mapped = new ImageFolderDataset(root, { size: 8, classes: { tshirt: 0, trouser: 1 } });
    expect(Array.from(mapped.labels!)).toEqual(Array.from(ordered.labels!));
    expect(() => new ImageFolderDataset(root, { size: 8, classes: ['tshirt'] })).toThrow(/trouser has no label/);
    expect(() => new ImageFolderDataset(root, { size: 8, classes: ['tshirt', 'coat'] })).toThrow(/no folder 'coat'/);
    expect(() => new ImageFolderDataset(root, { size: 8, classes: { tshirt: 0, trouser: 0 } })).toThrow(/each once/);
  });
});
