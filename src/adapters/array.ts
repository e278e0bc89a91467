// What an adapter hands over: one typed array of a batch (its data, a field or its labels) and
// its shape, after checking that the batch still owns that memory.
import type { Batch } from '../batch.js';
import { TensorLoaderError } from '../errors.js';

/** Which array of a batch: 'data' (default), 'labels', or a field's name. */
export type BatchPart = string;

export interface PickedArray {
  readonly data: ArrayBufferView & { readonly length: number };
  readonly shape: readonly number[];
  /** The memory is a loader slot's (lent until release()), not the batch's own. */
  readonly borrowed: boolean;
}

const isView = (v: unknown): v is PickedArray['data'] => ArrayBuffer.isView(v) && !(v instanceof DataView);

function tensorLike(v: unknown): { data: PickedArray['data']; shape: readonly number[] } | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = v as { data?: unknown; shape?: unknown };
  return isView(t.data) && Array.isArray(t.shape) ? { data: t.data, shape: t.shape as number[] } : undefined;
}

/**
 * The array named `part` of `batch`. Throws ERELEASED for a released batch (its views are empty:
 * handing them on would give a consumer empty data or NaN), and for a part the batch lacks.
 */
export function pickArray(batch: Batch<unknown>, part: BatchPart = 'data', who = 'adapter'): PickedArray {
  if (batch.released) {
    throw new TensorLoaderError('ERELEASED', `${who}: batch ${batch.number} of epoch ${batch.epoch} is released; its memory went back to the loader. Hand it over before release() (or inside the loop iteration that produced it).`);
  }
  let found: { data: PickedArray['data']; shape: readonly number[] } | undefined;
  if (part === 'labels') {
    if (batch.labels) found = { data: batch.labels, shape: [batch.labels.length] };
  } else if (part === 'data') {
    found = isView(batch.data) ? { data: batch.data, shape: batch.shape } : tensorLike(batch.data);
  } else if (batch.fields[part]) {
    const f = batch.fields[part]!;
    if (isView(f.data)) found = { data: f.data, shape: f.shape };
  } else if (typeof batch.data === 'object' && batch.data !== null && part in batch.data) {
    found = tensorLike((batch.data as Record<string, unknown>)[part]);
  }
  if (!found) {
    const have = ['data', ...(batch.labels ? ['labels'] : []), ...Object.keys(batch.fields)];
    throw new TensorLoaderError('ERR_INVALID_ARG', `${who}: the batch has no typed array '${part}' (it has ${have.join(', ')})`);
  }
  const elements = found.shape.reduce((a, b) => a * b, 1);
  if (found.data.length !== elements) {
    // A view detached by loader.close() reads as empty.
    throw new TensorLoaderError('ERELEASED', `${who}: '${part}' holds ${found.data.length} values, its shape [${found.shape.join(', ')}] needs ${elements} (was the loader closed?)`);
  }
  // Labels of native datasets are gathered into a fresh array; only slot views are borrowed.
  const borrowed = batch.borrowed && !(part === 'labels' && !Object.values(batch.fields).some((f) => f.data === batch.labels));
  return { data: found.data, shape: found.shape, borrowed };
}
