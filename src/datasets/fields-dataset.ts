// Several native datasets of equal length read as one dataset whose items have named fields
// (x and y arrays, images and a target array): one native source fills every field of a batch.
import type { NativeFieldsSource } from '../../binding.js';
import { nativeSource, readFields, type BatchArray, type DType, type FieldSpec, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';

/**
 * `new FieldsDataset({ x: new NpyDataset('x.npy'), y: new NpyDataset('y.npy') })`: item i is
 * `{ x: x[i], y: y[i] }`; a DataLoader batch carries `fields.x` and `fields.y`, each one typed
 * array over the batch's rows (and `data` is the first field's).
 */
export class FieldsDataset implements NativeDataset<BatchArray>, DeclaresSchema {
  readonly fields: readonly FieldSpec[];
  readonly dtype: DType;
  readonly itemShape: readonly number[];
  readonly parts: Readonly<Record<string, NativeDataset>>;
  readonly [nativeSource]: NativeFieldsSource;

  constructor(parts: Record<string, NativeDataset>) {
    const entries = Object.entries(parts);
    if (entries.length === 0) throw new TensorLoaderError('ERR_INVALID_ARG', 'FieldsDataset needs at least one field');
    for (const [name, d] of entries) {
      if (d.fields) throw new TensorLoaderError('ERR_INVALID_ARG', `field '${name}' already has several fields`);
      if (d.length !== entries[0]![1].length) {
        throw new TensorLoaderError('ERR_INVALID_ARG', `fields have different lengths: '${entries[0]![0]}' has ${entries[0]![1].length}, '${name}' has ${d.length}`);
      }
    }
    this.parts = Object.freeze({ ...parts });
    this.fields = Object.freeze(entries.map(([name, d]) => Object.freeze({ name, dtype: d.dtype, shape: d.itemShape })));
    this.dtype = this.fields[0]!.dtype;
    this.itemShape = this.fields[0]!.shape;
    try {
      this[nativeSource] = new binding.NativeFieldsSource(entries.map(([, d]) => d[nativeSource]));
    } catch (e) {
      const err = e as Error & { code?: string };
      throw new TensorLoaderError(err.code ?? 'ERR_INVALID_ARG', err.message, { cause: e });
    }
  }

  get length(): number {
    return this[nativeSource].length;
  }

  /** Item `index` now, on the calling thread: one new typed array per field, by name. */
  get(index: number, epoch = 0): Record<string, BatchArray> {
    return readFields(this, index, epoch);
  }

  /** Packed as its fields, by name. */
  [storedSchema](): StoredSchema {
    return valueFields(this);
  }
}
