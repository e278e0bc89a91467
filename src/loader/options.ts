// The DataLoader's option names, and the options of one kind of dataset that are errors on
// another.
import { TensorLoaderError } from '../errors.js';
import type { DataLoaderOptions } from '../loader.js';
import { knownOptions } from '../validate.js';

const LOADER_OPTIONS = [
  'batchSize', 'shuffle', 'seed', 'dropLast', 'prefetch', 'threads', 'slots', 'memoryBudget', 'stageTimes', 'slotTimeoutMs', 'epoch', 'copy',
  'onError', 'maxErrors', 'sampler', 'batchSampler', 'signal', 'resume', 'collate', 'shuffleBuffer', 'progress',
] as const;

// Options of one kind of dataset given to another are errors: native datasets have no collate
// and no shuffle buffer; JS datasets have no native threads, arena slots or memory budget, and
// a map-style one no shuffle buffer (its shuffle is a sampler's).
const NOT_FOR: Record<'native' | 'map' | 'stream', { options: readonly (keyof DataLoaderOptions)[]; why: string }> = {
  native: { options: ['collate', 'shuffleBuffer'], why: 'a native dataset fills its batches natively (collate and shuffleBuffer are for JS datasets)' },
  map: { options: ['threads', 'slots', 'memoryBudget', 'stageTimes', 'shuffleBuffer'], why: 'a JS dataset has no native threads, slots, memory budget or stage times, and a map-style one shuffles by sampler, not buffer' },
  stream: { options: ['threads', 'slots', 'memoryBudget', 'stageTimes'], why: 'a JS dataset has no native threads, slots, memory budget or stage times' },
};

export function checkLoaderOptions(options: DataLoaderOptions<any>, kind: keyof typeof NOT_FOR): void {
  knownOptions('DataLoader', options, LOADER_OPTIONS);
  const { options: not, why } = NOT_FOR[kind];
  const given = not.filter((k) => options[k] !== undefined);
  if (given.length > 0) throw new TensorLoaderError('ERR_INVALID_ARG', `DataLoader: ${given.join(', ')} do${given.length === 1 ? 'es' : ''} not apply: ${why}`);
}

