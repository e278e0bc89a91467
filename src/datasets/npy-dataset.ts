// numpy .npy arrays as datasets: memory-mapped once, item i is row i, copied straight from the
// mapping into its batch slot.
import type { NativeNpySource } from '../../binding.js';
import { nativeSource, readItem, type BatchArray, type BatchTypes, type DType, type NativeDataset, type NoFields } from '../dataset.js';
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
/** One file of `NpyDataset.fields`: its path, or its path and the dtype it must hold (which types its field). */
export type NpyFieldPath = string | { readonly path: string; readonly dtype: NpyDType };
type NpyOfPath<P> = P extends { readonly dtype: infer D extends NpyDType } ? NpyDataset<D> : NpyDataset;
/** The datasets `NpyDataset.fields(paths)` pairs, by field name. */
export type NpyParts<P extends Record<string, NpyFieldPath>> = { [K in keyof P]: NpyOfPath<P[K]> };

export class NpyDataset<D extends NpyDType | undefined = undefined> implements NativeDataset<ArrayOfNpy<D>, NoFields, undefined>, DeclaresSchema {
  readonly path: string;
  /** The array's full shape; items are rows: itemShape = shape.slice(1). */
  readonly shape: readonly number[];
  readonly itemShape: readonly number[];
  readonly dtype: DType;
  readonly [nativeSource]: NativeNpySource;
  declare readonly __types?: BatchTypes<ArrayOfNpy<D>, NoFields, undefined>;

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
   * `{ x: { path: 'x.npy', dtype: 'float32' } }` checks the file's dtype on open and types
   * `batch.fields.x.data` as Float32Array.
   */
  static fields<P extends Record<string, NpyFieldPath>, LF extends string | undefined = undefined>(
    paths: P,
    options: FieldsDatasetOptions<LF> = {},
  ): FieldsDataset<NpyParts<P>, LF> {
    const parts = Object.fromEntries(
      Object.entries(paths).map(([name, p]) => {
        if (typeof p === 'string') return [name, new NpyDataset(p)];
        if (typeof p !== 'object' || p === null || typeof p.path !== 'string') {
          throw new TensorLoaderError('ERR_INVALID_ARG', `NpyDataset.fields: '${name}' must be a path or { path, dtype }`);
        }
        const extra = Object.keys(p).filter((k) => k !== 'path' && k !== 'dtype');
        if (extra.length > 0) throw new TensorLoaderError('ERR_INVALID_ARG', `NpyDataset.fields: '${name}': unknown option '${extra[0]}' (options: path, dtype)`);
        return [name, new NpyDataset(p.path, { dtype: p.dtype })];
      }),
    ) as NpyParts<P>;
    return new FieldsDataset(parts, options);
  }

  /** Row `index` as a new typed array of the file's type. */
  get(index: number): ArrayOfNpy<D> {
    return readItem(this, index);
  }

  /** Packed as one field of the file's type, 'data'. */
  [storedSchema](): StoredSchema {
    return valueFields(this, 'data');
  }
}
