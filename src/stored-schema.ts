// What a dataset becomes when packed: each dataset class declares its stored fields (name,
// dtype, shape, raw or encoded image, what the field is) and class names under the
// `storedSchema` key, so pack() needs no knowledge of dataset kinds. A dataset that declares
// nothing is packed as the values its native source produces.
import type { DType, NativeDataset } from './dataset.js';
import type { PackFieldMeta } from './pack/meta.js';

export const storedSchema: unique symbol = Symbol.for('tensorloader.storedSchema');

/** A field as a packed file stores it. */
export interface StoredField {
  name: string;
  dtype: DType;
  encoding: 'raw' | 'image';
  shape: number[];
}

/** One field a dataset declares: stored as `encoding`, described by `meta`. */
export interface DeclaredField extends StoredField {
  meta: PackFieldMeta;
  /** Encoded image fields: each item's file, stored as found (its bytes). */
  files?: readonly string[];
}

export interface StoredSchema {
  /** One per field of the dataset's native source, in its order. */
  fields: DeclaredField[];
  classes?: readonly string[];
}

export interface DeclaresSchema {
  /** `encoded`: keep encoded inputs (image files) as found instead of the decoded values. */
  [storedSchema](options: { encoded: boolean }): StoredSchema;
}

/** Plain values: one field per native field, or the single field `name`. */
export function valueFields(dataset: NativeDataset, name = 'data'): StoredSchema {
  const specs = dataset.fields ?? [{ name, dtype: dataset.dtype, shape: dataset.itemShape }];
  return { fields: specs.map((f) => ({ name: f.name, dtype: f.dtype, encoding: 'raw', shape: [...f.shape], meta: { kind: 'values' } })) };
}

export function declaredSchema(dataset: NativeDataset, encoded: boolean): StoredSchema {
  const declares = (dataset as Partial<DeclaresSchema>)[storedSchema];
  return declares ? declares.call(dataset, { encoded }) : valueFields(dataset);
}
