// numpy .npy arrays as datasets: memory-mapped once, item i is row i, copied straight from the
// mapping into its batch slot.
import type { NativeNpySource } from '../../binding.js';
import { nativeSource, readItem, type BatchArray, type DType, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';
import { FieldsDataset, type FieldsDatasetOptions } from './fields-dataset.js';

/** Element types of .npy files, and the typed array each one reads as. */
export type NpyDType = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';
export type ArrayOfNpy<D extends NpyDType | undefined> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'uint8'
      ? Uint8Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int64'
          ? BigInt64Array
          : BatchArray;

/**
 * One .npy file (format 1, 2 or 3; little-endian float32, float64, uint8, int32 or int64; C
 * order). Batches come as the file's own type: Float32Array, Float64Array, Uint8Array,
 * Int32Array or BigInt64Array. Fortran order and big-endian files are refused with a clear
 * error, as are files shorter than their header says.
 *
 * `new NpyDataset('x.npy')` reads rows as whatever typed array the file's dtype gives (typed as
 * the union); `new NpyDataset('u8.npy', { dtype: 'uint8' })` checks the file is uint8 and types
 * get(i) and batches as Uint8Array.
 */
export class NpyDataset<D extends NpyDType | undefined = undefined, T extends BatchArray = ArrayOfNpy<D>> implements NativeDataset<T>, DeclaresSchema {
  readonly path: string;
  /** The array's full shape; items are rows: itemShape = shape.slice(1). */
  readonly shape: readonly number[];
  readonly itemShape: readonly number[];
  readonly dtype: DType;
  readonly [nativeSource]: NativeNpySource;
  /** Phantom marker of the batch array type (see NativeDataset); never set. */
  declare readonly __array?: T;

  constructor(path: string, options: { dtype?: D } = {}) {
    for (const key of Object.keys(options)) if (key !== 'dtype') throw new TensorLoaderError('ERR_INVALID_ARG', `NpyDataset: unknown option '${key}' (options: dtype)`);
    this.path = path;
    this[nativeSource] = new binding.NativeNpySource(path);
    this.shape = Object.freeze([...this[nativeSource].shape]);
    this.itemShape = Object.freeze(this.shape.slice(1));
    this.dtype = this[nativeSource].dtype;
    if (options.dtype !== undefined && options.dtype !== this.dtype) {
      throw new TensorLoaderError('EDTYPE', `${path} holds ${this.dtype}, not the ${options.dtype} asked for`);
    }
  }

  get length(): number {
    return this.shape[0]!;
  }

  /**
   * Paired arrays as one dataset of fields: `NpyDataset.fields({ x: 'x.npy', y: 'y.npy' })`
   * reads row i of every file as item i (`{ x, y }`); they must have the same number of rows.
   */
  static fields(paths: Record<string, string>, options: FieldsDatasetOptions = {}): FieldsDataset {
    return new FieldsDataset(Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, new NpyDataset(path)])), options);
  }

  /** Row `index` as a new typed array of the file's type. */
  get(index: number): T {
    return readItem(this, index);
  }

  /** Packed as one field of the file's type, 'data'. */
  [storedSchema](): StoredSchema {
    return valueFields(this, 'data');
  }
}
