// Batches to onnxruntime tensors (feeds for session.run). The user passes their own `ort`
// module (onnxruntime-node or onnxruntime-web; an optional peer dependency never imported here).
//
// Lifetime: an ort.Tensor wraps the typed array without copying, and session.run() reads it on
// onnxruntime's own threads after run() has returned its promise. A slot released meanwhile
// would be refilled with the next batch under the running model, so feeds are meant to be run
// as `await batch.releaseAfter(session.run(feeds))`, which holds the slot until run settles.
import type { Batch } from '../batch.js';
import { TensorLoaderError } from '../errors.js';
import { pickArray, type BatchPart } from './array.js';

/** The part of onnxruntime the adapter uses; pass the module itself. */
export interface OrtModule {
  Tensor: new (type: any, data: any, dims: any) => unknown;
}

/** The tensor type of an ort module. */
export type OrtTensorOf<Ort extends OrtModule> = InstanceType<Ort['Tensor']>;

const ORT_TYPES: ReadonlyArray<readonly [new (...a: any[]) => ArrayBufferView, string]> = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Uint8Array, 'uint8'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
  [BigUint64Array, 'uint64'],
  [Uint32Array, 'uint32'],
];

/** Element type names of onnxruntime for one array. A Uint16Array is taken as float16 (a native float16 batch) unless `uint16` says otherwise. */
function ortType(data: ArrayBufferView, uint16: 'float16' | 'uint16'): string {
  if (data instanceof Uint16Array) return uint16;
  for (const [ctor, name] of ORT_TYPES) if (data instanceof ctor) return name;
  throw new TensorLoaderError('ERR_INVALID_ARG', `toOrtTensor: ${data.constructor.name} has no onnxruntime element type`);
}

export interface ToOrtOptions {
  /** Which array: 'data' (default), 'labels' or a field's name. */
  field?: BatchPart;
  /** Dims other than the batch's shape (same number of values), e.g. [n, 1, 28, 28] for [n, 784] rows. */
  dims?: readonly number[];
  /** What a Uint16Array holds. Default 'float16' (native float16 batches are raw half bits). */
  uint16?: 'float16' | 'uint16';
}

/** One array of `batch` as an ort.Tensor over the batch's own memory (no copy). Throws ERELEASED once released. */
export function toOrtTensor<Ort extends OrtModule>(ort: Ort, batch: Batch<unknown>, options: ToOrtOptions = {}): OrtTensorOf<Ort> {
  const part = options.field ?? 'data';
  const picked = pickArray(batch, part, 'toOrtTensor');
  const dims = options.dims ?? picked.shape;
  const elements = dims.reduce((a, b) => a * b, 1);
  if (!dims.every((d) => Number.isInteger(d) && d >= 0) || elements !== picked.data.length) {
    throw new TensorLoaderError('ERR_INVALID_ARG', `toOrtTensor: dims [${dims.join(', ')}] do not hold the ${picked.data.length} values of '${part}'`);
  }
  return new ort.Tensor(ortType(picked.data, options.uint16 ?? 'float16'), picked.data, [...dims]) as OrtTensorOf<Ort>;
}

/**
 * Feeds for `session.run`: each model input name mapped to an array of the batch (a name such
 * as 'data' or a field's, or options per input). `toOrtFeeds(ort, batch, { input: 'data' })`.
 */
export function toOrtFeeds<Ort extends OrtModule>(ort: Ort, batch: Batch<unknown>, inputs: Readonly<Record<string, BatchPart | ToOrtOptions>>): Record<string, OrtTensorOf<Ort>> {
  const names = Object.keys(inputs);
  if (names.length === 0) throw new TensorLoaderError('ERR_INVALID_ARG', 'toOrtFeeds: no inputs given');
  return Object.fromEntries(names.map((name) => {
    const spec = inputs[name]!;
    return [name, toOrtTensor(ort, batch, typeof spec === 'string' ? { field: spec } : spec)];
  }));
}
