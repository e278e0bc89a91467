// Native batches of a remote shard set in ShardOrderSampler's order (see shard-segments.ts):
// each segment of the rank's order is read by its own native DataLoader over the segment's
// leased shards, so items never pass through JS and a rank fetches only the shards its order
// reaches. Batches are the sampler's batches exactly (segments are cut at batch boundaries),
// so every rank gets the same number, and `sampler.state(loader)` resumes under any world size.
import type { Batch } from '../batch.js';
import type { BatchArray } from '../dataset.js';
import { DataLoader, type DataLoaderOptions } from '../loader.js';
import type { ShardOrderSampler } from '../shard-order.js';
import { count, positiveInt } from '../validate.js';
import { checkCounts, segments, type SampledShards } from './shard-segments.js';

export interface ShardLoaderOptions {
  /** The order: `new ShardOrderSampler(remote, { rank, worldSize, seed, resume })`. */
  sampler: ShardOrderSampler;
  batchSize: number;
  /** The first epoch. Default: the sampler's resume epoch, else 0. */
  epoch?: number;
  /** Shards fetched ahead of the ones being read. Default 2. */
  prefetch?: number;
  /** Options of each segment's native DataLoader (threads, copy, onError, ...). */
  loader?: Omit<DataLoaderOptions<BatchArray>, 'sampler' | 'batchSampler' | 'resume' | 'epoch' | 'collate' | 'batchSize' | 'shuffle' | 'dropLast' | 'progress'>;
}

export class RemoteShardLoader implements AsyncIterable<Batch<BatchArray>> {
  readonly sampler: ShardOrderSampler;
  readonly batchSize: number;
  readonly prefetch: number;
  readonly #set: SampledShards;
  readonly #options: NonNullable<ShardLoaderOptions['loader']>;
  #epoch: number;
  #batches = 0;
  #current: DataLoader<BatchArray> | undefined;

  constructor(set: SampledShards, options: ShardLoaderOptions) {
    checkCounts(set, options.sampler);
    this.#set = set;
    this.sampler = options.sampler;
    this.batchSize = positiveInt('batchSize', options.batchSize);
    this.prefetch = count('prefetch', options.prefetch ?? 2);
    this.#epoch = count('epoch', options.epoch ?? options.sampler.resume?.epoch ?? 0);
    this.#options = options.loader ?? {};
  }

  /** Batches of the next epoch for this rank (the same on every rank). */
  get length(): number {
    return Math.ceil(this.sampler.plan(this.#epoch).perRank / this.batchSize);
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** This run's position: what `sampler.state(loader)` turns into a state any world size resumes from. */
  state(): { epoch: number; batches: number } {
    return { epoch: this.#epoch, batches: this.#batches };
  }

  /** One epoch; each iteration advances the epoch by one. `batch.indices` are the set's indices. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch<BatchArray>> {
    const epoch = this.#epoch;
    this.#batches = 0;
    for await (const seg of segments(this.#set, this.sampler, epoch, this.batchSize, this.prefetch)) {
      const loader = new DataLoader<BatchArray>(seg.dataset, { ...this.#options, sampler: seg.local, batchSize: this.batchSize, epoch });
      this.#current = loader;
      try {
        for await (const batch of loader) {
          for (let r = 0; r < batch.indices.length; r++) batch.indices[r] = seg.global[batch.indices[r]!]!;
          this.#batches++;
          yield batch;
        }
      } finally {
        loader.close();
        this.#current = undefined;
      }
    }
    this.#epoch = epoch + 1;
    this.#batches = 0;
  }

  /** Stops the segment being read and frees its slots (an early `break` does this too). */
  close(): void {
    this.#current?.close();
  }
}
