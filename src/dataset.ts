// What the loader needs from a dataset backed by the native core: its item count and shape,
// its element type, and the native source the pool threads read from.
import type { NativeSource } from '../binding.js';

/** Key under which native datasets expose their source to the loader. */
export const nativeSource: unique symbol = Symbol.for('tensorloader.nativeSource');

/** Element types of batch data. float16 data comes as raw IEEE half bits in a Uint16Array. */
export type DType = 'float32' | 'uint8' | 'float16' | 'float64' | 'int32' | 'int64';
export type BatchArray = Float32Array | Uint8Array | Uint16Array | Float64Array | Int32Array | BigInt64Array;

/** One field of a dataset whose items have several (an image and its label, x and y). */
export interface FieldSpec {
  readonly name: string;
  readonly dtype: DType;
  /** Shape of one item's value of this field; [] for a scalar. */
  readonly shape: readonly number[];
}

/** A dataset's fields by name, each as the typed array its batches carry. */
export type FieldArrays = Record<string, BatchArray>;

/** The typed array of each dtype (float16 is raw half bits). */
export interface DTypeArrays {
  float32: Float32Array;
  uint8: Uint8Array;
  float16: Uint16Array;
  float64: Float64Array;
  int32: Int32Array;
  int64: BigInt64Array;
}
export type ArrayOfDType<D extends DType | undefined> = D extends DType ? DTypeArrays[D] : BatchArray;

/**
 * T: the batch array (`batch.data`); F: the fields a batch carries, by name ({} when it has
 * none); L: `batch.labels`'s type, Int32Array for labelled datasets, undefined for unlabelled
 * ones, and the union where that is only known at run time.
 */
export interface NativeDataset<T extends BatchArray = BatchArray, F extends FieldArrays = FieldArrays, L extends Int32Array | undefined = Int32Array | undefined> {
  /** Number of items. */
  readonly length: number;
  /** Shape of one item (a batch is [count, ...itemShape]). */
  readonly itemShape: readonly number[];
  readonly dtype: DType;
  /** Class label of every item, when the dataset has labels. */
  readonly labels?: Int32Array;
  /** The int32 scalar field whose values fill batch.labels (datasets with fields). Default 'label'. */
  readonly labelField?: string;
  /**
   * Datasets with several fields per item: each field, in the order the native source writes
   * them (the first one is also `dtype`/`itemShape`). Batches then carry `fields`.
   */
  readonly fields?: readonly FieldSpec[];
  readonly [nativeSource]: NativeSource;
  /** Phantom marker of the batch's types (what the DataLoader infers its batches from); never set. */
  readonly __types?: BatchTypes<T, F, L>;
}

/** What NativeDataset's phantom `__types` holds. */
export interface BatchTypes<T, F, L> {
  readonly array: T;
  readonly fields: F;
  readonly labels: L;
}

/** The fields of a dataset whose batches carry none. */
export type NoFields = Record<never, never>;

export function isNativeDataset(value: unknown): value is NativeDataset {
  return typeof value === 'object' && value !== null && nativeSource in value;
}

/** A typed-array view of the right element type over `elements` values at the buffer's start. */
export function arrayOf(dtype: DType, buffer: ArrayBuffer, elements: number): BatchArray {
  return arrayAt(dtype, buffer, 0, elements);
}

/** The same at a byte offset (a field's plane in a slot). */
const ARRAY_TYPES = {
  float32: Float32Array,
  uint8: Uint8Array,
  float16: Uint16Array,
  float64: Float64Array,
  int32: Int32Array,
  int64: BigInt64Array,
} as const satisfies Record<DType, new (buffer: ArrayBuffer, byteOffset: number, length: number) => BatchArray>;

export function arrayAt(dtype: DType, buffer: ArrayBuffer, byteOffset: number, elements: number): BatchArray {
  return new ARRAY_TYPES[dtype](buffer, byteOffset, elements);
}

export const BYTES: Record<DType, number> = { float32: 4, uint8: 1, float16: 2, float64: 8, int32: 4, int64: 8 };

export const elementsOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function checkIndex(dataset: NativeDataset, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= dataset.length) {
    throw new RangeError(`index ${index} is out of range (length ${dataset.length})`);
  }
}

/** A new zeroed typed array of one item's value. */
function newArray(dtype: DType, shape: readonly number[]): BatchArray {
  const n = elementsOf(shape);
  return arrayOf(dtype, new ArrayBuffer(n * BYTES[dtype]), n);
}

/**
 * Item `index` of a native dataset, read now on the calling thread into a new typed array
 * (`epoch` selects seeded augmentation where there is any): every dataset's get(i).
 */
export function readItem<T extends BatchArray>(dataset: NativeDataset<T>, index: number, epoch = 0): T {
  checkIndex(dataset, index);
  const out = newArray(dataset.dtype, dataset.itemShape) as T;
  // Throws the item's ItemError itself.
  dataset[nativeSource].readInto(index, out, epoch);
  return out;
}

/** Item `index` of a dataset with several fields: one new typed array per field, by name. */
export function readFields(dataset: NativeDataset, index: number, epoch = 0): Record<string, BatchArray> {
  checkIndex(dataset, index);
  const fields = dataset.fields!;
  const arrays = fields.map((f) => newArray(f.dtype, f.shape));
  dataset[nativeSource].readInto(index, arrays, epoch);
  return Object.fromEntries(fields.map((f, i) => [f.name, arrays[i]!]));
}
