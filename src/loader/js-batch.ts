// A batch of a JS dataset (map-style or iterable): its items stacked by the loader's collate.
import { Batch } from '../batch.js';
import { TensorLoaderError } from '../errors.js';
import type { EngineConfig } from './engine.js';

export function jsBatch<T>(config: EngineConfig, values: unknown[], indices: Uint32Array, epoch: number, number: number): Batch<T> {
  let data: T;
  try {
    data = config.collate(values) as T;
  } catch (e) {
    throw new TensorLoaderError('ECOLLATE', `collate failed for batch ${number} of epoch ${epoch}: ${(e as Error).message}`, { cause: e });
  }
  return new Batch<T>({ data, shape: [values.length], indices, epoch, number });
}
