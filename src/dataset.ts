// What the loader needs from a dataset backed by the native core: its item count and shape,
// and the native source the pool threads read from.
import type { NativeSource } from '../binding.js';

/** Key under which native datasets expose their source to the loader. */
export const nativeSource: unique symbol = Symbol.for('tensorloader.nativeSource');

export type DType = 'float32';

export interface NativeDataset {
  /** Number of items. */
  readonly length: number;
  /** Shape of one item (a batch is [count, ...itemShape]). */
  readonly itemShape: readonly number[];
  readonly dtype: DType;
  readonly [nativeSource]: NativeSource;
}

export function isNativeDataset(value: unknown): value is NativeDataset {
  return typeof value === 'object' && value !== null && nativeSource in value;
}
