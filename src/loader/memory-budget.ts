// A native loader's memory budget: its arena (slots × batch bytes) plus what its threads decode
// at once. The arena must fit; what is left, shared by the threads, caps each item's decode
// (the source takes the smaller of this and the dataset's own maxItemBytes).
import { availableParallelism } from 'node:os';
import { BYTES, elementsOf, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';

/** The default DataLoaderOptions.memoryBudget. */
export const DEFAULT_MEMORY_BUDGET = 4 * 1024 ** 3;

function datasetFields(dataset: NativeDataset): ReadonlyArray<{ dtype: keyof typeof BYTES; shape: readonly number[] }> {
  return dataset.fields ?? [{ dtype: dataset.dtype, shape: dataset.itemShape }];
}

/** Bytes of one batch slot: each field's plane 64-byte aligned (plan_fields in native/core). */
export function slotBytesOf(dataset: NativeDataset, batchSize: number): number {
  return datasetFields(dataset).reduce((a, f) => a + Math.ceil((elementsOf(f.shape) * BYTES[f.dtype] * batchSize) / 64) * 64, 0);
}

/**
 * The per-item decode cap for a loader over `dataset`. Refuses (ETOOLARGE) an arena over the
 * budget before anything is allocated: a packed file or options asking for items whose slots
 * would cost gigabytes.
 */
export function decodeCap(dataset: NativeDataset, batchSize: number, slots: number, threads: number, budget = DEFAULT_MEMORY_BUDGET): number {
  if (!(Number.isSafeInteger(budget) && budget >= 1)) throw new RangeError(`memoryBudget must be a positive integer number of bytes, got ${String(budget)}`);
  const fields = datasetFields(dataset);
  const slotBytes = slotBytesOf(dataset, batchSize);
  const arena = slotBytes * slots;
  if (arena > budget) {
    throw new TensorLoaderError(
      'ETOOLARGE',
      `DataLoader: the arena would take ${arena} bytes (${slots} slots of ${slotBytes}: batchSize ${batchSize} × item shape ` +
        `${fields.map((f) => `${f.dtype}[${f.shape.join(',')}]`).join(' + ')}), over memoryBudget ${budget}; ` +
        'use smaller items or batches, fewer slots, or raise memoryBudget',
    );
  }
  const shares = Math.max(1, threads || availableParallelism());
  return Math.min(2 ** 50, Math.max(1, Math.floor((budget - arena) / shares)));
}
