// What the DataLoader hands its engines (native, map-style, iterable): the dataset, the
// configuration they read, and the one method each implements.
import type { Batch } from '../batch.js';
import type { ErrorLog } from '../error-log.js';
import type { BatchSampler } from '../sampler.js';
import type { OnError } from '../validate.js';

export interface EngineConfig {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly onError: OnError;
  /** Items skipped with onError 'skip'. */
  readonly errors: ErrorLog;
  readonly batchSampler: BatchSampler;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly shuffleBuffer: number;
  readonly copy: boolean;
  readonly collate: (items: any[]) => unknown;
}

export abstract class Engine<T, D = unknown> {
  constructor(
    readonly dataset: D,
    readonly config: EngineConfig,
  ) {}

  /** Epoch `epoch`'s batches from batch number `start` on; rejects when `aborted` does. */
  abstract batches(epoch: number, start: number, aborted: Promise<never> | undefined): AsyncGenerator<Batch<T>, void, undefined>;
}
