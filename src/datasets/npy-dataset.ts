// numpy .npy arrays as datasets: memory-mapped once, item i is row i, copied straight from the
// mapping into its batch slot.
import type { NativeNpySource } from '../../binding.js';
import { nativeSource, readItem, type BatchArray, type DType, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';
import { FieldsDataset } from './fields-dataset.js';

/**
 * One .npy file (format 1, 2 or 3; little-endian float32, float64, uint8, int32 or int64; C
 * order). Batches come as the file's own type: Float32Array, Float64Array, Uint8Array,
 * Int32Array or BigInt64Array. Fortran order and big-endian files are refused with a clear
 * error, as are files shorter than their header says.
 */
export class NpyDataset<T extends BatchArray = Float32Array> implements NativeDataset<T>, DeclaresSchema {
  readonly path: string;
  /** The array's full shape; items are rows: itemShape = shape.slice(1). */
  readonly shape: readonly number[];
  readonly itemShape: readonly number[];
  readonly dtype: DType;
  readonly [nativeSource]: NativeNpySource;

  constructor(path: string) {
    this.path = path;
    try {
      this[nativeSource] = new binding.NativeNpySource(path);
    } catch (e) {
      const err = e as Error & { code?: string };
      throw new TensorLoaderError(err.code ?? 'EFORMAT', err.message, { cause: e });
    }
    this.shape = Object.freeze([...this[nativeSource].shape]);
    this.itemShape = Object.freeze(this.shape.slice(1));
    this.dtype = this[nativeSource].dtype;
  }

  get length(): number {
    return this.shape[0]!;
  }

  /**
   * Paired arrays as one dataset of fields: `NpyDataset.fields({ x: 'x.npy', y: 'y.npy' })`
   * reads row i of every file as item i (`{ x, y }`); they must have the same number of rows.
   */
  static fields(paths: Record<string, string>): FieldsDataset {
    return new FieldsDataset(Object.fromEntries(Object.entries(paths).map(([name, path]) => [name, new NpyDataset(path)])));
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
