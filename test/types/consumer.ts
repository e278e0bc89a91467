// A strict consumer of the public types (compiled by `npm run test:types`, tsc --strict
// --noEmit; also part of `npm run typecheck`). Each @ts-expect-error line must fail to compile:
// if a type loosens, the directive itself becomes the error.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { DataLoader, IdxDataset, NpyDataset, TokenDataset, toOrtFeeds, toTensor, type Batch, type BatchArray } from '../../src/index.js';

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
    // Field data is a typed array, not unknown.
    const field: BatchArray | undefined = batch.fields.x?.data;
    void data, field;
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
  const x: Int32Array | BigInt64Array = window.x;
  void row, wrong, union, notSure, x;
  const kept: Promise<void> = (null as unknown as Batch<Uint8Array>).releaseAfter(Promise.resolve());
  void kept;
}
