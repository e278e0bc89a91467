// What pack() stores for a given source: the fields (name, dtype, shape, raw or encoded image)
// and the meta JSON. Native datasets declare theirs (src/stored-schema.ts); a JS dataset's
// items are inspected.
import { BYTES, elementsOf, type DType, type FieldSpec, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { declaredSchema, type StoredField } from '../stored-schema.js';
import type { PackFieldMeta, PackMeta } from './meta.js';

export type { StoredField } from '../stored-schema.js';

function sourceName(d: object): string {
  return d.constructor?.name && d.constructor.name !== 'Object' ? d.constructor.name : 'MapDataset';
}

/** What a native dataset packs into; `files[f]` are the files an encoded field stores, as found. */
export interface NativeSchema {
  fields: StoredField[];
  meta: PackMeta;
  /** Per stored field: the encoded files, or undefined (the slot's field f, or the labels after them). */
  files: Array<readonly string[] | undefined>;
}

/** The fields and meta for a native dataset; `encoded` keeps encoded inputs (image files) as they are. */
export function nativeSchema(dataset: NativeDataset, encoded: boolean): NativeSchema {
  const declared = declaredSchema(dataset, encoded);
  if (encoded && !declared.fields.some((f) => f.encoding === 'image')) {
    throw new TensorLoaderError('ERR_INVALID_ARG', 'encoded: only image datasets have encoded files to keep; pack this one raw');
  }
  const fields: StoredField[] = declared.fields.map(({ name, dtype, encoding, shape }) => ({ name, dtype, encoding, shape }));
  const files = declared.fields.map((f) => (f.encoding === 'image' ? f.files : undefined));
  const metaFields: Record<string, PackFieldMeta> = Object.fromEntries(declared.fields.map((f) => [f.name, f.meta]));
  if (dataset.labels && !fields.some((f) => f.name === 'label')) {
    fields.push({ name: 'label', dtype: 'int32', encoding: 'raw', shape: [] });
    metaFields.label = { kind: 'label' };
  }
  const meta: PackMeta = { format: 'tensorloader.pack', version: 1, source: sourceName(dataset), fields: metaFields };
  if (declared.classes) meta.classes = [...declared.classes];
  return { fields, meta, files };
}

// ---- JS datasets: items are typed arrays, { data, shape } tensors, numbers, bigints, number
// arrays, or objects of those (one field per key).

const CTOR_DTYPE = new Map<unknown, DType>([
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Uint8Array, 'uint8'],
  [Int32Array, 'int32'],
  [BigInt64Array, 'int64'],
]);

interface Value {
  dtype: DType;
  shape: number[];
  write(target: ArrayBufferView, row: number): void;
}

/** How a JS dataset's items name their label (pack's labelField and classes). */
export interface LabelSpec {
  field: string;
  /** Given by the user: items must then have it. */
  explicit: boolean;
  classes: readonly string[] | undefined;
}

/** Class names checked (unique strings), and every label below their count. */
export function checkClasses(classes: readonly string[], labels?: ArrayLike<number>): string[] {
  if (!Array.isArray(classes) || classes.length === 0 || !classes.every((c) => typeof c === 'string')) {
    throw new TensorLoaderError('ERR_INVALID_ARG', 'classes must be a non-empty array of names');
  }
  if (new Set(classes).size !== classes.length) throw new TensorLoaderError('ERR_INVALID_ARG', 'classes must be distinct names');
  if (labels) {
    for (let i = 0; i < labels.length; i++) {
      if (labels[i]! >= classes.length || labels[i]! < 0) throw new TensorLoaderError('ERR_INVALID_ARG', `label ${labels[i]} of item ${i} has no name among the ${classes.length} classes`);
    }
  }
  return [...classes];
}

// A label: an integer number stored as int32 (a float64 label would not fill batch.labels).
function labelValue(v: unknown, where: string, classes: readonly string[] | undefined): Value {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x7fffffff) {
    if (classes && v >= classes.length) throw new TensorLoaderError('ERR_INVALID_ARG', `${where}: label ${v} has no name among the ${classes.length} classes`);
    return { dtype: 'int32', shape: [], write: (t, r) => ((t as Int32Array)[r] = v) };
  }
  throw new TensorLoaderError('ERR_INVALID_ARG', `${where}: a label must be a non-negative integer number, got ${typeof v === 'number' ? v : typeof v}`);
}

function valueOf(v: unknown, where: string): Value {
  if (typeof v === 'number') return { dtype: 'float64', shape: [], write: (t, r) => ((t as Float64Array)[r] = v) };
  if (typeof v === 'bigint') return { dtype: 'int64', shape: [], write: (t, r) => ((t as BigInt64Array)[r] = v) };
  const tensor = typeof v === 'object' && v !== null && 'data' in v && 'shape' in v ? (v as { data: unknown; shape: number[] }) : undefined;
  const data = tensor ? tensor.data : v;
  if (Array.isArray(data) && data.every((x) => typeof x === 'number')) {
    const arr = Float64Array.from(data as number[]);
    return valueOf(tensor ? { data: arr, shape: tensor.shape } : arr, where);
  }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const dtype = CTOR_DTYPE.get(data.constructor);
    if (!dtype) throw new TensorLoaderError('ERR_INVALID_ARG', `${where}: ${data.constructor.name} is not packable (use Float32Array, Float64Array, Uint8Array, Int32Array or BigInt64Array)`);
    const arr = data as unknown as { length: number } & ArrayBufferView;
    const shape = tensor ? [...tensor.shape] : [arr.length];
    if (elementsOf(shape) !== arr.length) throw new TensorLoaderError('ERR_INVALID_ARG', `${where}: shape [${shape}] does not hold ${arr.length} values`);
    return {
      dtype,
      shape,
      write: (t, r) => (t as unknown as { set(a: ArrayLike<number | bigint>, o: number): void }).set(arr as unknown as ArrayLike<number>, r * arr.length),
    };
  }
  throw new TensorLoaderError('ERR_INVALID_ARG', `${where}: not a number, bigint, typed array, { data, shape } or number array`);
}

/** An item as named values (a bare value is the field 'data'). */
export function itemValues(item: unknown, index: number, labels?: LabelSpec): Map<string, Value> {
  const where = `get(${index})`;
  const out = new Map<string, Value>();
  const plain = typeof item === 'object' && item !== null && !ArrayBuffer.isView(item) && !Array.isArray(item) && !('data' in item && 'shape' in item);
  if (plain) {
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      // A number under the label key is a class label; other values there (a bigint, an array)
      // are kept as they are unless labelField or classes asked for a label.
      const label = labels && k === labels.field && (typeof v === 'number' || labels.explicit || labels.classes !== undefined);
      out.set(k, label ? labelValue(v, `${where}.${k}`, labels.classes) : valueOf(v, `${where}.${k}`));
    }
  } else {
    out.set('data', valueOf(item, where));
  }
  if (labels && (labels.explicit || labels.classes) && !out.has(labels.field)) {
    throw new TensorLoaderError('ERR_INVALID_ARG', `${where} has no label field '${labels.field}' (it has ${[...out.keys()].join(', ')})`);
  }
  return out;
}

export function jsSchema(dataset: object, first: Map<string, Value>, labels?: LabelSpec): { fields: StoredField[]; meta: PackMeta } {
  const fields: StoredField[] = [];
  const metaFields: Record<string, PackFieldMeta> = {};
  const labelField = labels?.field ?? 'label';
  for (const [name, v] of first) {
    fields.push({ name, dtype: v.dtype, encoding: 'raw', shape: v.shape });
    metaFields[name] = { kind: name === labelField && v.shape.length === 0 && v.dtype === 'int32' ? 'label' : 'values' };
  }
  const meta: PackMeta = { format: 'tensorloader.pack', version: 1, source: sourceName(dataset), fields: metaFields };
  if (labels?.classes) meta.classes = checkClasses(labels.classes);
  return { fields, meta };
}

/** Writes one item's values into row `row` of the group's columns; throws when it does not match the schema. */
export function writeRow(values: Map<string, Value>, fields: StoredField[], columns: ArrayBufferView[], row: number, index: number): void {
  if (values.size !== fields.length) throw new TensorLoaderError('ERR_INVALID_ARG', `get(${index}) has fields ${[...values.keys()].join(', ')}, item 0 had ${fields.map((f) => f.name).join(', ')}`);
  fields.forEach((f, i) => {
    const v = values.get(f.name);
    if (!v || v.dtype !== f.dtype || v.shape.join() !== f.shape.join()) {
      throw new TensorLoaderError('ERR_INVALID_ARG', `get(${index}).${f.name} is ${v ? `${v.dtype}[${v.shape}]` : 'missing'}, item 0 had ${f.dtype}[${f.shape}]`);
    }
    v.write(columns[i]!, row);
  });
}

export const rowBytes = (f: StoredField | FieldSpec): number => elementsOf(f.shape) * BYTES[f.dtype];
