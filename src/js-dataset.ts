// The user's own datasets in plain JS: anything with `length` and `get(i)` (sync or async), or
// an iterable stream of items.

/** A map-style dataset, as PyTorch's Dataset: `length` items, `get(i)` returns one (or a promise). */
export interface MapDataset<I = unknown> {
  readonly length: number;
  get(index: number): I | Promise<I>;
}

export function isMapDataset(value: unknown): value is MapDataset {
  return typeof value === 'object' && value !== null && typeof (value as MapDataset).get === 'function' && Number.isInteger((value as MapDataset).length);
}

/**
 * A stream of items with no index (PyTorch's IterableDataset). `source(epoch)` returns a fresh
 * (async) iterable every epoch; the loader batches it, optionally through a seeded shuffle buffer.
 */
export class IterableDataset<I = unknown> {
  constructor(readonly source: (epoch: number) => Iterable<I> | AsyncIterable<I>) {}
}
