// Several native datasets of equal length read as one dataset whose items have named fields
// (x and y arrays, images and a target array): one native source fills every field of a batch.
import type { NativeFieldsSource } from '../../binding.js';
import { nativeSource, readFields, type BatchArray, type DType, type FieldSpec, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { checkClasses } from '../pack/schema.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';

/**
 * `new FieldsDataset({ x: new NpyDataset('x.npy'), y: new NpyDataset('y.npy') })`: item i is
 * `{ x: x[i], y: y[i] }`; a DataLoader batch carries `fields.x` and `fields.y`, each one typed
 * array over the batch's rows (and `data` is the first field's).
 */
export interface FieldsDatasetOptions {
  /** The int32 scalar field whose values fill batch.labels. Default 'label' when there is one. */
  labelField?: string;
  /** Class names by label (kept as `classes`; needs a label field). */
  classes?: readonly string[];
}

const OPTION_KEYS = new Set(['labelField', 'classes']);

export class FieldsDataset implements NativeDataset<BatchArray>, DeclaresSchema {
  readonly fields: readonly FieldSpec[];
  readonly dtype: DType;
  readonly itemShape: readonly number[];
  readonly parts: Readonly<Record<string, NativeDataset>>;
  readonly labelField: string | undefined;
  readonly classes: readonly string[] | undefined;
  readonly [nativeSource]: NativeFieldsSource;

  constructor(parts: Record<string, NativeDataset>, options: FieldsDatasetOptions = {}) {
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) throw new TensorLoaderError('ERR_INVALID_ARG', `FieldsDataset: unknown option '${key}' (options: ${[...OPTION_KEYS].join(', ')})`);
    }
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
    const labelName = options.labelField ?? (this.fields.some((f) => f.name === 'label') ? 'label' : undefined);
    if (labelName !== undefined) {
      const spec = this.fields.find((f) => f.name === labelName);
      if (!spec) throw new TensorLoaderError('ERR_INVALID_ARG', `labelField: no field '${labelName}' among ${this.fields.map((f) => f.name).join(', ')}`);
      if (spec.dtype !== 'int32' || spec.shape.length !== 0) {
        if (options.labelField !== undefined || options.classes !== undefined) {
          throw new TensorLoaderError('ERR_INVALID_ARG', `labelField: '${labelName}' is ${spec.dtype}[${spec.shape.join(', ')}]; labels are int32 scalars (np.int32, one per row)`);
        }
      }
    }
    if (options.classes !== undefined && labelName === undefined) throw new TensorLoaderError('ERR_INVALID_ARG', 'classes: no label field to name (give labelField)');
    this.labelField = labelName;
    this.classes = options.classes !== undefined ? Object.freeze(checkClasses(options.classes)) : undefined;
    this[nativeSource] = new binding.NativeFieldsSource(entries.map(([, d]) => d[nativeSource]));
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
    const schema = valueFields(this);
    // The label field is packed as the label (PackedDataset.labelField), with its class names.
    for (const f of schema.fields) if (f.name === this.labelField && f.dtype === 'int32' && f.shape.length === 0) f.meta = { kind: 'label' };
    if (this.classes) schema.classes = this.classes;
    return schema;
  }
}
