// Stacking the items of a batch from a JS dataset, as PyTorch's default_collate does: numbers
// and typed arrays become one tensor with a leading batch dimension, arrays and objects are
// collated field by field, strings are kept as a list.

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A stacked batch: `data` holds shape[0] rows of the remaining dimensions, row-major. */
export interface Tensor<A extends TypedArray = TypedArray> {
  data: A;
  shape: number[];
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && 'data' in v && 'shape' in v && ArrayBuffer.isView((v as Tensor).data) && Array.isArray((v as Tensor).shape);
}

function stack(rows: TypedArray[], inner: number[], where: string): Tensor {
  const ctor = rows[0]!.constructor as new (n: number) => TypedArray;
  const len = rows[0]!.length;
  for (const r of rows) {
    if (r.constructor !== ctor || r.length !== len) {
      throw new TypeError(`collate: ${where} mixes ${ctor.name}(${len}) with ${r.constructor.name}(${r.length}); pass a custom collate`);
    }
  }
  const data = new ctor(rows.length * len);
  rows.forEach((r, i) => (data as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(r as ArrayLike<unknown>, i * len));
  return { data, shape: [rows.length, ...inner] };
}

/**
 * numbers → Float64Array tensor [n]; booleans → Uint8Array [n]; bigints → BigInt64Array [n];
 * typed arrays of one type and length → one tensor [n, length]; tensors ({ data, shape }) →
 * [n, ...shape]; arrays → collated per position; objects → collated per key; strings → string[].
 */
export function defaultCollate(items: readonly unknown[], where = 'batch'): unknown {
  if (items.length === 0) return [];
  const first = items[0];
  const same = (pred: (v: unknown) => boolean, what: string) => {
    items.forEach((v, i) => {
      if (!pred(v)) throw new TypeError(`collate: ${where}[${i}] is not ${what} like ${where}[0]`);
    });
  };
  if (typeof first === 'number') {
    same((v) => typeof v === 'number', 'a number');
    return { data: Float64Array.from(items as number[]), shape: [items.length] } satisfies Tensor;
  }
  if (typeof first === 'boolean') {
    same((v) => typeof v === 'boolean', 'a boolean');
    return { data: Uint8Array.from(items as boolean[], (b) => (b ? 1 : 0)), shape: [items.length] } satisfies Tensor;
  }
  if (typeof first === 'bigint') {
    same((v) => typeof v === 'bigint', 'a bigint');
    return { data: BigInt64Array.from(items as bigint[]), shape: [items.length] } satisfies Tensor;
  }
  if (typeof first === 'string') {
    same((v) => typeof v === 'string', 'a string');
    return [...(items as string[])];
  }
  if (ArrayBuffer.isView(first) && !(first instanceof DataView)) {
    same((v) => ArrayBuffer.isView(v) && !(v instanceof DataView), 'a typed array');
    return stack(items as TypedArray[], [(first as TypedArray).length], where);
  }
  if (isTensor(first)) {
    same(isTensor, 'a tensor');
    const shape = first.shape;
    for (const [i, t] of (items as Tensor[]).entries()) {
      if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
        throw new TypeError(`collate: ${where}[${i}] has shape [${t.shape}], ${where}[0] has [${shape}]`);
      }
    }
    return stack((items as Tensor[]).map((t) => t.data), shape, where);
  }
  if (Array.isArray(first)) {
    same((v) => Array.isArray(v) && v.length === first.length, `an array of ${first.length}`);
    return first.map((_, k) => defaultCollate((items as unknown[][]).map((it) => it[k]), `${where}[*][${k}]`));
  }
  if (typeof first === 'object' && first !== null && Object.getPrototypeOf(first) === Object.prototype) {
    const keys = Object.keys(first);
    same((v) => typeof v === 'object' && v !== null, 'an object');
    return Object.fromEntries(keys.map((k) => [k, defaultCollate((items as Record<string, unknown>[]).map((it) => it[k]), `${where}.${k}`)]));
  }
  throw new TypeError(`collate: cannot collate ${first === null ? 'null' : typeof first} at ${where}; pass a custom collate`);
}
