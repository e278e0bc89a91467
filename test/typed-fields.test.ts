// What the typed field maps and labels promise, checked at run time: the arrays batches carry
// are the types their datasets declare (test/types/consumer.ts checks the declarations), a
// stated dtype is checked when the dataset opens, labels are there exactly where the types say,
// and ImageFolderDataset's class display names are kept apart from folder names.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImageData } from '../examples/data.js';
import { writeNpy } from '../examples/npy.js';
import { DataLoader, FieldsDataset, ImageFolderDataset, NpyDataset, pack, PackedDataset, TensorLoaderError, type Batch } from '../src/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-typed-'));
  writeNpy(join(dir, 'x.npy'), Float32Array.from({ length: 12 }, (_, i) => i / 2), [6, 2]);
  writeNpy(join(dir, 'label.npy'), Int32Array.from([2, 0, 1, 1, 0, 2]), [6]);
  writeNpy(join(dir, 'label2d.npy'), Int32Array.from({ length: 12 }, (_, i) => i % 3), [6, 2]);
  writeNpy(join(dir, 'score.npy'), Float32Array.from([0.5, 1, 1.5, 2, 2.5, 3]), [6]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The first batch, kept (the loop's break leaves a retained batch alone).
async function first<B extends Batch<any, any, any>>(loader: AsyncIterable<B>): Promise<B> {
  for await (const b of loader) {
    return b.retain();
  }
  throw new Error('no batch');
}

describe('NpyDataset.fields with stated dtypes', () => {
  it('reads each field as its stated array type, and a file of another dtype is an EDTYPE error', async () => {
    const ds = NpyDataset.fields({ x: { path: join(dir, 'x.npy'), dtype: 'float32' }, label: join(dir, 'label.npy') });
    const b = await first(new DataLoader(ds, { batchSize: 6 }));
    expect(b.fields.x.data).toBeInstanceOf(Float32Array);
    expect(Array.from(b.fields.x.data)).toEqual(Array.from({ length: 12 }, (_, i) => i / 2));
    // A field named 'label' of int32 fills batch.labels.
    expect(b.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(b.labels!)).toEqual([2, 0, 1, 1, 0, 2]);
    expect(Object.keys(b.fields)).toEqual(['x', 'label']);
    expect(() => NpyDataset.fields({ x: { path: join(dir, 'x.npy'), dtype: 'int32' } })).toThrow(/holds float32, not the int32/);
    expect(() => NpyDataset.fields({ x: { path: join(dir, 'x.npy'), dtype: 'float32', shape: [2] } as any })).toThrow(/unknown option 'shape'/);
    expect(() => NpyDataset.fields({ x: { dtype: 'float32' } as any })).toThrow(/a path or \{ path, dtype \}/);
  });

  it("a float 'label' field is a value (no labels); an int32 'label' field that is not one per row is refused", async () => {
    const ds = NpyDataset.fields({ x: join(dir, 'x.npy'), label: join(dir, 'score.npy') });
    const b = await first(new DataLoader(ds, { batchSize: 3 }));
    expect(b.labels).toBeUndefined();
    expect(b.fields.label.data).toBeInstanceOf(Float32Array);
    const e = (() => {
      try {
        new FieldsDataset({ x: new NpyDataset(join(dir, 'x.npy')), label: new NpyDataset(join(dir, 'label2d.npy')) });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(TensorLoaderError);
    expect((e as Error).message).toMatch(/field 'label' is int32\[2\].*one value per row/);
  });
});

describe('PackedDataset fields stated as name -> dtype', () => {
  it('selects and checks the fields on open: EDTYPE for another dtype, an error for a bad dtype; labelField gives labels', async () => {
    const out = join(dir, 'pairs.tlpack');
    await pack(NpyDataset.fields({ x: join(dir, 'x.npy'), label: join(dir, 'label.npy') }), out);
    const ds = new PackedDataset(out, { fields: { label: 'int32', x: 'float32' } });
    expect(ds.fields.map((f) => f.name)).toEqual(['label', 'x']);
    const b = await first(new DataLoader(ds, { batchSize: 6 }));
    expect(b.fields.x.data).toBeInstanceOf(Float32Array);
    expect(b.fields.label.data).toBeInstanceOf(Int32Array);
    expect(Array.from(b.fields.label.data)).toEqual([2, 0, 1, 1, 0, 2]);
    expect(Array.from(b.labels!)).toEqual([2, 0, 1, 1, 0, 2]);

    const err = (() => {
      try {
        new PackedDataset(out, { fields: { x: 'float16' } });
      } catch (e) {
        return e as TensorLoaderError;
      }
    })();
    expect(err?.code).toBe('EDTYPE');
    expect(err?.message).toMatch(/field 'x' reads as float32, not the float16 asked for/);
    expect(() => new PackedDataset(out, { fields: { x: 'float8' as any } })).toThrow(/fields.x must be/);
    expect(() => new PackedDataset(out, { fields: { nope: 'int32' } })).toThrow(/no field 'nope'/);
    expect(() => new PackedDataset(out, { fields: 'x' as any })).toThrow(/a list of names or a map of name to dtype/);

    const labelled = await PackedDataset.open(out, { fields: { x: 'float32', label: 'int32' }, labelField: 'label' });
    const lb = await first(new DataLoader(labelled, { batchSize: 6 }));
    expect(lb.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(lb.labels)).toEqual([2, 0, 1, 1, 0, 2]);
  });
});

describe('ImageFolderDataset class display names', () => {
  // Folders named as a filesystem allows; display names as Fashion-MNIST's README gives them,
  // in its label order (which is not the folders' sorted order).
  const folders = ['ankle-boot', 'trouser', 'tshirt'];
  let root: string;
  beforeAll(() => {
    root = join(dir, 'fashion');
    folders.forEach((c, k) => {
      mkdirSync(join(root, c), { recursive: true });
      writeImageData(join(root, c), 2 + k, 8, k + 1);
    });
  });
  const classes = { tshirt: { index: 0, name: 'T-shirt/top' }, trouser: { index: 1, name: 'Trouser' }, 'ankle-boot': { index: 2, name: 'Ankle boot' } };

  it('gives folders their labels and display names; batches, get and pack() follow them', async () => {
    const ds = new ImageFolderDataset(root, { size: 8, classes });
    expect(ds.classes).toEqual(['tshirt', 'trouser', 'ankle-boot']);
    expect(ds.classNames).toEqual(['T-shirt/top', 'Trouser', 'Ankle boot']);
    expect(ds.classToIndex).toEqual({ tshirt: 0, trouser: 1, 'ankle-boot': 2 });
    // 4 tshirt files, 3 trouser files, 2 ankle-boot files, in label order.
    expect(Array.from(ds.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2]);
    ds.files.forEach((f, i) => expect(f.includes(`/${ds.classes[ds.labels[i]!]}/`)).toBe(true));
    const b = await first(new DataLoader(ds, { batchSize: 9 }));
    expect(Array.from(b.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2]);

    const out = join(dir, 'fashion.tlpack');
    await pack(ds, out);
    const packed = new PackedDataset(out);
    expect(packed.classes).toEqual(['T-shirt/top', 'Trouser', 'Ankle boot']);
    const pb = await first(new DataLoader(packed, { batchSize: 9 }));
    expect(Array.from(pb.labels!)).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2]);

    // Plain labels and display names mix; without names, the folder's name is the display name.
    const mixed = new ImageFolderDataset(root, { size: 8, classes: { tshirt: { index: 0, name: 'T-shirt/top' }, trouser: 1, 'ankle-boot': 2 } });
    expect(mixed.classNames).toEqual(['T-shirt/top', 'trouser', 'ankle-boot']);
    expect(new ImageFolderDataset(root, { size: 8 }).classNames).toEqual(folders);
  });

  it('refuses maps that do not fit the folders: unknown or missing folders, repeated or out-of-range indices, repeated or bad names', () => {
    const open = (c: unknown) => () => new ImageFolderDataset(root, { size: 8, classes: c as any });
    expect(open({ ...classes, coat: { index: 3, name: 'Coat' } })).toThrow(/no folder 'coat'/);
    expect(open({ tshirt: { index: 0, name: 'T-shirt/top' }, trouser: { index: 1, name: 'Trouser' } })).toThrow(/ankle-boot has no label/);
    expect(open({ ...classes, trouser: { index: 0, name: 'Trouser' } })).toThrow(/each once \(got 0 for 'trouser'\)/);
    expect(open({ ...classes, trouser: { index: 5, name: 'Trouser' } })).toThrow(/labels must be 0 to 2/);
    expect(open({ ...classes, trouser: { index: 1, name: 'T-shirt/top' } })).toThrow(/two classes are named 'T-shirt\/top'/);
    expect(open({ ...classes, trouser: { index: 1, name: '' } })).toThrow(/name must be a non-empty string/);
    expect(open({ ...classes, trouser: { index: 1 } })).toThrow(/name must be a non-empty string/);
    expect(open({ ...classes, trouser: { index: 1, name: 'Trouser', colour: 'blue' } })).toThrow(/unknown key 'colour'/);
    expect(open({ ...classes, trouser: 'Trouser' })).toThrow(/must map to a label or \{ index, name \}/);
    expect(open('tshirt')).toThrow(/folder names in label order or a map/);
  });
});
