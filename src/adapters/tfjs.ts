// Batches to TensorFlow.js tensors, and a tf.data dataset over a loader. The user passes their
// own `tf` module (an optional peer dependency that tensorloader never imports).
//
// Lifetime: tfjs' CPU backend keeps the very typed array given to tf.tensor(), so a tensor made
// from a slot view would read as empty (or NaN in training) once the batch is released; there
// the slot is copied. The wasm backend copies into its own heap inside tf.tensor(), so the view
// is handed over as it is. Backends not known to copy get a copy. See test/adapters-tfjs.test.ts.
import type { Batch } from '../batch.js';
import type { DataLoader } from '../loader.js';
import { TensorLoaderError } from '../errors.js';
import { pickArray, type BatchPart } from './array.js';

export type TfDType = 'float32' | 'int32';

/** The part of `@tensorflow/tfjs` the adapter uses; pass the module itself. */
export interface TfModule {
  tensor(values: any, shape?: any, dtype?: any): unknown;
  getBackend(): string;
  tidy?(fn: () => any): any;
  oneHot?(indices: any, depth: number): any;
  data: { generator(generator: () => any): any };
}

/** Backends whose tf.tensor() copies the values out of the array it is given. */
const COPYING_BACKENDS: ReadonlySet<string> = new Set(['wasm']);

export interface ToTensorOptions {
  /** Which array of the batch: 'data' (default), 'labels' or a field's name. */
  field?: BatchPart;
  /** The tensor's dtype. Default: float32 for float arrays, int32 for integer ones. */
  dtype?: TfDType;
}

function dtypeOf(data: ArrayBufferView, asked: TfDType | undefined, part: string): TfDType {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new TensorLoaderError('ERR_INVALID_ARG', `toTensor: '${part}' is 64-bit integer data, which tfjs has no dtype for`);
  }
  if (data instanceof Uint16Array && asked === undefined) {
    // A native float16 batch is raw half bits in a Uint16Array: as int32 they would be garbage.
    throw new TensorLoaderError('ERR_INVALID_ARG', `toTensor: '${part}' is a Uint16Array (float16 bits or uint16 values); tfjs has neither dtype. Read the dataset as float32, or pass dtype to take the values as integers`);
  }
  if (asked !== undefined && asked !== 'float32' && asked !== 'int32') {
    throw new TensorLoaderError('ERR_INVALID_ARG', `toTensor: dtype must be 'float32' or 'int32', got ${String(asked)}`);
  }
  return asked ?? (data instanceof Float32Array || data instanceof Float64Array ? 'float32' : 'int32');
}

/**
 * One array of `batch` as a tf.Tensor of the batch's shape. The tensor never depends on the
 * batch staying alive: release the batch whenever you like after this returns. Throws
 * ERELEASED for a batch already released.
 */
export function toTensor<Tf extends TfModule>(tf: Tf, batch: Batch<unknown>, options: ToTensorOptions = {}): TensorOf<Tf> {
  const part = options.field ?? 'data';
  const picked = pickArray(batch, part, 'toTensor');
  const dtype = dtypeOf(picked.data, options.dtype, part);
  // tf.tensor() converts (and so copies) an array whose type is not the dtype's own.
  const kept = (dtype === 'float32' && picked.data instanceof Float32Array) || (dtype === 'int32' && picked.data instanceof Int32Array);
  const copy = picked.borrowed && kept && !COPYING_BACKENDS.has(tf.getBackend());
  const values = copy ? (picked.data as Float32Array | Int32Array).slice() : picked.data;
  return tf.tensor(values, [...picked.shape], dtype) as TensorOf<Tf>;
}

/** The tensor type of a tf module. */
export type TensorOf<Tf extends TfModule> = ReturnType<Tf['tensor']>;

/** What one element of the tf.data dataset is made of: an array of the batch, or a function. */
export type TfPart<T> = BatchPart | ((batch: Batch<any>) => T);

export interface TfDatasetOptions<T> {
  /** The inputs: an array of the batch ('data', a field's name), or a function making tensors. Default 'data'. */
  xs?: TfPart<T>;
  /** The targets, for fitDataset: e.g. 'labels'. Without ys, elements are the xs tensors alone. */
  ys?: TfPart<T>;
  /** Make ys one-hot float32 vectors of this many classes (ys must be integer labels). */
  oneHot?: number;
  /** dtype of xs when xs names an array. */
  dtype?: TfDType;
}

/**
 * A `tf.data.Dataset` whose elements are `{ xs, ys }` (or xs alone) made from the loader's
 * batches, one epoch of the loader per iteration of the dataset: ready for `.prefetch(n)` and
 * `model.fitDataset(ds, { epochs })`. Each batch is released as soon as its tensors exist, so
 * tfjs' prefetch holds tensors, never loader slots. Tensors are the consumer's to dispose
 * (fitDataset does).
 */
export function toTfDataset<Tf extends TfModule, T = TensorOf<Tf>>(tf: Tf, loader: DataLoader<any>, options: TfDatasetOptions<T> = {}): any {
  const { xs = 'data', ys, oneHot } = options;
  if (oneHot !== undefined) {
    if (!Number.isInteger(oneHot) || oneHot < 2) throw new RangeError(`oneHot must be an integer >= 2, got ${oneHot}`);
    if (ys === undefined) throw new TensorLoaderError('ERR_INVALID_ARG', 'oneHot applies to ys, and no ys was given');
    if (!tf.oneHot || !tf.tidy) throw new TensorLoaderError('ERR_INVALID_ARG', 'oneHot needs tf.oneHot and tf.tidy: pass the @tensorflow/tfjs module');
  }
  const make = (part: TfPart<T>, batch: Batch<any>, isY: boolean): T => {
    if (typeof part === 'function') return part(batch);
    if (isY && oneHot !== undefined) {
      // Inside tidy, so the int32 labels tensor is disposed with the one-hot intermediate.
      return tf.tidy!(() => tf.oneHot!(toTensor(tf, batch, { field: part, dtype: 'int32' }), oneHot).toFloat()) as T;
    }
    return toTensor(tf, batch, { field: part, dtype: isY ? undefined : options.dtype }) as T;
  };
  let running: AsyncIterator<Batch<any>> | undefined;
  return tf.data.generator(() => {
    // A new iteration (the next fitDataset epoch) ends one left unfinished, which frees its slots.
    void running?.return?.(undefined);
    const it = loader[Symbol.asyncIterator]();
    running = it;
    // tfjs' prefetch asks for several elements at once. The loader's iterator releases a batch
    // when asked for the next, so requests are chained: batch k is turned into tensors before
    // batch k + 1 is asked for.
    let chain: Promise<unknown> = Promise.resolve();
    const step = async (): Promise<IteratorResult<unknown>> => {
      const r = await it.next();
      if (r.done) {
        if (running === it) running = undefined;
        return { done: true, value: undefined };
      }
      const batch = r.value;
      try {
        const x = make(xs, batch, false);
        return { done: false, value: ys === undefined ? x : { xs: x, ys: make(ys, batch, true) } };
      } finally {
        batch.release();
      }
    };
    return {
      next(): Promise<IteratorResult<unknown>> {
        const result = chain.then(step);
        chain = result.catch(() => {});
        return result;
      },
    };
  });
}
