// A strict consumer of the public types (compiled by `npm run test:types`, tsc --strict
// --noEmit; also part of `npm run typecheck`). Each @ts-expect-error line must fail to compile:
// if a type loosens, the directive itself becomes the error.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import {
  DataLoader,
  FieldsDataset,
  IdxDataset,
  ImageFilesDataset,
  ImageFolderDataset,
  NpyDataset,
  PackedDataset,
  TextTensorDataset,
  TokenDataset,
  WebDataset,
  toOrtFeeds,
  toTensor,
  type Batch,
  type BatchArray,
} from '../../src/index.js';

export async function consumer(): Promise<void> {
  // dtype-generic .npy: get(i) is the file's typed array, checked at run time.
  const u8 = new NpyDataset('u8.npy', { dtype: 'uint8' });
  const row: Uint8Array = u8.get(0);
  // @ts-expect-error a uint8 file does not read as Float32Array
  const wrong: Float32Array = u8.get(0);
  const any = new NpyDataset('x.npy');
  const union: BatchArray = any.get(0);
  // @ts-expect-error without a dtype the row is any of the .npy types, not surely Float32Array
  const notSure: Float32Array = any.get(0);
  // @ts-expect-error not an .npy dtype
  new NpyDataset('x.npy', { dtype: 'float16' });

  // Batches of a typed dataset carry its array type.
  for await (const batch of new DataLoader(u8, { batchSize: 4 })) {
    const data: Uint8Array = batch.data;
    // @ts-expect-error a single-array dataset's batches have no fields
    void batch.fields.x;
    // @ts-expect-error nor labels
    const l: Int32Array = batch.labels;
    void data, l;
  }

  // A JS dataset's batches are typed by what collate returns.
  const js = { length: 3, get: (i: number) => ({ id: i }) };
  const loader = new DataLoader(js, { collate: (items: Array<{ id: number }>) => items.map((x) => x.id) });
  for await (const batch of loader) {
    const ids: number[] = batch.data;
    // @ts-expect-error collate returned number[], not a Float32Array
    const f: Float32Array = batch.data;
    void ids, f;
  }

  // Adapters return the consumer's own tensor types.
  const idx = new IdxDataset('images.gz', 'labels.gz');
  for await (const batch of new DataLoader(idx, { batchSize: 8 })) {
    const t: tf.Tensor = toTensor(tf, batch, { field: 'image', dtype: 'float32' });
    const feeds: Record<string, ort.Tensor> = toOrtFeeds(ort, batch, { input: 'image' });
    // @ts-expect-error tfjs has no uint8 dtype
    toTensor(tf, batch, { dtype: 'uint8' });
    void t, feeds;
  }

  // @ts-expect-error TokenDataset needs dtype and blockSize
  new TokenDataset('train.bin', {});
  const tokens = new TokenDataset('train.bin', { dtype: 'uint16', blockSize: 8 });
  const window = tokens.get(0);
  const x: Int32Array = window.x;
  void row, wrong, union, notSure, x;
  await fieldMaps();
  await labelTypes();
  const kept: Promise<void> = (null as unknown as Batch<Uint8Array>).releaseAfter(Promise.resolve());
  void kept;
}

// Typed field maps: each dataset's batches carry its fields by name, typed by their arrays.
async function fieldMaps(): Promise<void> {
  // IDX with labels: image and label, uint8 both.
  for await (const b of new DataLoader(new IdxDataset('i.gz', 'l.gz'), { batchSize: 8 })) {
    const image: Uint8Array = b.fields.image.data;
    const label: Uint8Array = b.fields.label.data;
    // @ts-expect-error IDX images are uint8
    const f: Float32Array = b.fields.image.data;
    // @ts-expect-error no such field
    void b.fields.nope;
    void image, label, f;
  }
  // IDX without labels: no fields.
  for await (const b of new DataLoader(new IdxDataset('i.gz'), { batchSize: 8 })) {
    // @ts-expect-error an IDX file alone has no fields
    void b.fields.image;
  }
  // Tokens: x and y, int32 by default, int64 when asked.
  for await (const b of new DataLoader(new TokenDataset('t.bin', { dtype: 'uint16', blockSize: 8 }))) {
    const x: Int32Array = b.fields.x.data;
    const y: Int32Array = b.fields.y.data;
    // @ts-expect-error only x and y
    void b.fields.z;
    void x, y;
  }
  const t64 = new TokenDataset('t.bin', { dtype: 'uint32', blockSize: 8, outputDtype: 'int64' });
  for await (const b of new DataLoader(t64)) {
    const x: BigInt64Array = b.fields.x.data;
    // @ts-expect-error int64 windows are BigInt64Array
    const wrong: Int32Array = b.fields.y.data;
    void x, wrong;
  }
  // FieldsDataset: each part's array type, by the part's name.
  const pair = new FieldsDataset({ x: new NpyDataset('x.npy', { dtype: 'float32' }), y: new NpyDataset('y.npy', { dtype: 'int64' }) });
  for await (const b of new DataLoader(pair)) {
    const xs: Float32Array = b.fields.x.data;
    const ys: BigInt64Array = b.fields.y.data;
    // @ts-expect-error no such field
    void b.fields.image;
    // @ts-expect-error y is int64
    const y32: Int32Array = b.fields.y.data;
    void xs, ys, y32;
  }
  const got = pair.get(0);
  const gx: Float32Array = got.x;
  void gx;
  // NpyDataset.fields: a path gives any .npy array, { path, dtype } that dtype's.
  const npy = NpyDataset.fields({ x: { path: 'x.npy', dtype: 'float32' }, y: 'y.npy' });
  for await (const b of new DataLoader(npy)) {
    const xs: Float32Array = b.fields.x.data;
    const ys: BatchArray = b.fields.y.data;
    // @ts-expect-error y's dtype was not stated
    const yf: Float32Array = b.fields.y.data;
    // @ts-expect-error no such field
    void b.fields.z;
    void xs, ys, yf;
  }
  // @ts-expect-error not an .npy dtype
  NpyDataset.fields({ x: { path: 'x.npy', dtype: 'float16' } });
  // PackedDataset: the schema is the file's, so the user states it (checked on open).
  const packed = new PackedDataset('a.tlpack', { fields: { image: 'float32', label: 'int32' } });
  for await (const b of new DataLoader(packed)) {
    const image: Float32Array = b.fields.image.data;
    const label: Int32Array = b.fields.label.data;
    // @ts-expect-error not among the fields asked for
    void b.fields.nope;
    // @ts-expect-error image was asked for as float32
    const u8: Uint8Array = b.fields.image.data;
    void image, label, u8;
  }
  const named = new PackedDataset('a.tlpack', { fields: ['image', 'label'] });
  for await (const b of new DataLoader(named)) {
    const image: BatchArray = b.fields.image.data;
    // @ts-expect-error only the fields named
    void b.fields.nope;
    void image;
  }
  const opened = await PackedDataset.open('a.tlpack', { fields: { image: 'uint8' } });
  for await (const b of new DataLoader(opened)) {
    const image: Uint8Array = b.fields.image.data;
    // @ts-expect-error only image
    void b.fields.label;
    void image;
  }
  // @ts-expect-error not a dtype
  new PackedDataset('a.tlpack', { fields: { image: 'float8' } });
  // Unstated: any field name, any array (the file decides at run time).
  for await (const b of new DataLoader(new PackedDataset('a.tlpack'))) {
    const any: BatchArray | undefined = b.fields.whatever?.data;
    void any;
  }
  // WebDataset: images as the pipeline's dtype, cls as Int32Array, npy as any array.
  const wds = new WebDataset('s-{0..3}.tar', { image: { size: 8, dtype: 'uint8' }, fields: { image: 'jpg;png', label: 'cls', vec: 'npy' } });
  for await (const b of new DataLoader(wds)) {
    const image: Uint8Array = b.fields.image.data;
    const label: Int32Array = b.fields.label.data;
    const vec: BatchArray = b.fields.vec.data;
    // @ts-expect-error no such field
    void b.fields.txt;
    // @ts-expect-error uint8 images
    const f: Float32Array = b.fields.image.data;
    void image, label, vec, f;
  }
  for await (const b of new DataLoader(new WebDataset('s.tar', { image: { size: 8 }, fields: { image: ['jpg', 'png'], label: 'cls' } }))) {
    const image: Float32Array = b.fields.image.data;
    const label: Int32Array = b.fields.label.data;
    void image, label;
  }
  // Without `fields` (the default image + label), any field and array: the types are exact when fields are stated.
  for await (const b of new DataLoader(new WebDataset('s.tar', { image: { size: 8 } }))) {
    const any: BatchArray | undefined = b.fields.image?.data;
    void any;
  }
  const openedWds = await WebDataset.open('s-{0..1}.tar', { image: { size: 8, dtype: 'float16' }, fields: { image: 'png', label: 'cls' } });
  for await (const b of new DataLoader(openedWds)) {
    const image: Uint16Array = b.fields.image.data;
    const labels: Int32Array = b.labels;
    void image, labels;
  }
}

// Labels: an Int32Array on labelled datasets' batches, absent (undefined) on the others.
async function labelTypes(): Promise<void> {
  for await (const b of new DataLoader(new ImageFolderDataset('root', { size: 8 }))) {
    const labels: Int32Array = b.labels;
    const data: Float32Array = b.data;
    void labels, data;
  }
  for await (const b of new DataLoader(new ImageFolderDataset('root', { size: 8, dtype: 'uint8' }))) {
    const data: Uint8Array = b.data;
    // @ts-expect-error uint8 pixels
    const f: Float32Array = b.data;
    void data, f;
  }
  for await (const b of new DataLoader(new IdxDataset('i.gz', 'l.gz'))) {
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(new IdxDataset('i.gz'))) {
    // @ts-expect-error no label file, no labels
    const labels: Int32Array = b.labels;
    const none: undefined = b.labels;
    void labels, none;
  }
  for await (const b of new DataLoader(new ImageFilesDataset(['a.png'], { size: 8, labels: [0] }))) {
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(new ImageFilesDataset(['a.png'], { size: 8 }))) {
    // @ts-expect-error no labels given
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(new TextTensorDataset('dir', { length: 4 }))) {
    // @ts-expect-error text tensors have no labels
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(new TokenDataset('t.bin', { dtype: 'uint16', blockSize: 8 }))) {
    // @ts-expect-error token windows have no labels
    const labels: Int32Array = b.labels;
    void labels;
  }
  // labelField, or a field named 'label' of integers: labels.
  for await (const b of new DataLoader(NpyDataset.fields({ x: 'x.npy', target: 't.npy' }, { labelField: 'target' }))) {
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(NpyDataset.fields({ x: 'x.npy', label: { path: 'l.npy', dtype: 'int32' } }))) {
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(NpyDataset.fields({ x: 'x.npy', y: 'y.npy' }))) {
    // @ts-expect-error no label field
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(NpyDataset.fields({ x: 'x.npy', label: { path: 'l.npy', dtype: 'float32' } }))) {
    // @ts-expect-error a float 'label' field is a value, not labels
    const labels: Int32Array = b.labels;
    void labels;
  }
  // Packed files: labels with labelField; as the file says otherwise.
  for await (const b of new DataLoader(new PackedDataset('a.tlpack', { labelField: 'label' }))) {
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(new PackedDataset('a.tlpack'))) {
    // @ts-expect-error an unstated file may have no labels
    const labels: Int32Array = b.labels;
    const maybe: Int32Array | undefined = b.labels;
    void labels, maybe;
  }
  // WebDataset: a cls 'label' field gives labels; none without.
  for await (const b of new DataLoader(new WebDataset('s.tar', { fields: { label: 'cls' } }))) {
    const labels: Int32Array = b.labels;
    void labels;
  }
  for await (const b of new DataLoader(new WebDataset('s.tar', { image: { size: 8 }, fields: { image: 'png' } }))) {
    // @ts-expect-error no cls field
    const labels: Int32Array = b.labels;
    void labels;
  }
  // JS datasets' batches carry no fields and no labels of their own.
  const js = new DataLoader({ length: 2, get: (i: number) => i }, { collate: (items: number[]) => items });
  for await (const b of js) {
    const maybe: Int32Array | undefined = b.labels;
    void maybe;
  }
}
