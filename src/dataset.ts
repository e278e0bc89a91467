// What the loader needs from a dataset backed by the native core: its item count and shape,
// its element type, and the native source the pool threads read from.
import type { NativeSource } from '../binding.js';

/** Key under which native datasets expose their source to the loader. */
export const nativeSource: unique symbol = Symbol.for('tensorloader.nativeSource');

/** Element types of batch data. float16 data comes as raw IEEE half bits in a Uint16Array. */
export type DType = 'float32' | 'uint8' | 'float16' | 'float64' | 'int32' | 'int64';
export type BatchArray = Float32Array | Uint8Array | Uint16Array | Float64Array | Int32Array | BigInt64Array;

export interface NativeDataset<T extends BatchArray = BatchArray> {
  /** Number of items. */
  readonly length: number;
  /** Shape of one item (a batch is [count, ...itemShape]). */
  readonly itemShape: readonly number[];
  readonly dtype: DType;
  /** Class label of every item, when the dataset has labels. */
  readonly labels?: Int32Array;
  readonly [nativeSource]: NativeSource;
  /** Phantom marker of the batch array type; never set. */
  readonly __array?: T;
}

export function isNativeDataset(value: unknown): value is NativeDataset {
  return typeof value === 'object' && value !== null && nativeSource in value;
}

/** A typed-array view of the right element type over `count` rows of `itemSize` elements. */
export function arrayOf(dtype: DType, buffer: ArrayBuffer, elements: number): BatchArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, elements);
    case 'uint8':
      return new Uint8Array(buffer, 0, elements);
    case 'float16':
      return new Uint16Array(buffer, 0, elements);
    case 'float64':
      return new Float64Array(buffer, 0, elements);
    case 'int32':
      return new Int32Array(buffer, 0, elements);
    case 'int64':
      return new BigInt64Array(buffer, 0, elements);
  }
}
