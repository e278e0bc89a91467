// Several native datasets of equal length read as one dataset whose items have named fields
// (x and y arrays, images and a target array): one native source fills every field of a batch.
import type { NativeFieldsSource } from '../../binding.js';
import { nativeSource, readFields, type BatchArray, type BatchTypes, type DType, type FieldSpec, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { checkClasses } from '../pack/schema.js';
import { knownOptions } from '../validate.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';

/**
 * `new FieldsDataset({ x: new NpyDataset('x.npy'), y: new NpyDataset('y.npy') })`: item i is
 * `{ x: x[i], y: y[i] }`; a DataLoader batch carries `fields.x` and `fields.y`, each one typed
 * array over the batch's rows (and `data` is the first field's).
 */
export interface FieldsDatasetOptions<LF extends string | undefined = string | undefined> {
  /** The int32 scalar field whose values fill batch.labels. Default 'label' when there is one. */
  labelField?: LF;
  /** Class names by label (kept as `classes`; needs a label field). */
  classes?: readonly string[];
}

const OPTION_KEYS = new Set(['labelField', 'classes']);

/** The batch array a dataset declares (its phantom `__types`), or any of them. */
export type ArrayOfDataset<D> = D extends { readonly __types?: BatchTypes<infer T, any, any> } ? (T extends BatchArray ? T : BatchArray) : BatchArray;

/** The fields of a FieldsDataset over `parts`: each part's batch array, by name. */
export type FieldsOfParts<P> = { [K in keyof P & string]: ArrayOfDataset<P[K]> };

/**
 * batch.labels of a FieldsDataset: Int32Array when labelField is given (checked to be an int32
 * scalar field on construction) or when a field named 'label' holds int32 or uint8 (checked to
 * be a scalar); undefined without a label field; either when the label field's type is unknown.
 */
export type LabelsOfParts<P, LF extends string | undefined> = [LF] extends [string]
  ? Int32Array
  : 'label' extends keyof P
    ? ArrayOfDataset<P['label']> extends Int32Array | Uint8Array
      ? Int32Array
      : Int32Array extends ArrayOfDataset<P['label']>
        ? Int32Array | undefined
        : undefined
    : undefined;

type Parts = Record<string, NativeDataset<any, any, any>>;

export class FieldsDataset<P extends Parts = Record<string, NativeDataset>, LF extends string | undefined = undefined>
  implements NativeDataset<FieldsOfParts<P>[keyof P & string], FieldsOfParts<P>, LabelsOfParts<P, LF>>, DeclaresSchema
{
  readonly fields: readonly FieldSpec[];
  readonly dtype: DType;
  readonly itemShape: readonly number[];
  readonly parts: Readonly<P>;
  readonly labelField: string | undefined;
  readonly classes: readonly string[] | undefined;
  readonly [nativeSource]: NativeFieldsSource;
  declare readonly __types?: BatchTypes<FieldsOfParts<P>[keyof P & string], FieldsOfParts<P>, LabelsOfParts<P, LF>>;

  constructor(parts: P, options: FieldsDatasetOptions<LF> = {}) {
    knownOptions('FieldsDataset', options, OPTION_KEYS);
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
        // A field named 'label' of integers fills batch.labels (so its type says so): it must then be one per row.
        if ((spec.dtype === 'int32' || spec.dtype === 'uint8') && spec.shape.length !== 0) {
          throw new TensorLoaderError(
            'ERR_INVALID_ARG',
            `field 'label' is ${spec.dtype}[${spec.shape.join(', ')}]: a field named 'label' fills batch.labels and must hold one value per row (shape [N]); rename it if it is not the labels`,
          );
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
  get(index: number, epoch = 0): FieldsOfParts<P> {
    return readFields(this, index, epoch) as FieldsOfParts<P>;
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
