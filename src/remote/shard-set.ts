// What remote packed and tar shard sets share: shard URLs with sample counts when known, a
// cache, and three ways to read them: all fetched and mapped at once (fetchAll), an item stream
// (stream), and native batches in ShardOrderSampler's order (loader). With counts, stream and
// loader follow the shard-aware order (equal counts per rank, elastic resume); without, stream
// reads this rank's shards whole, one after another (rankShards).
import type { BatchArray, NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { IterableDataset } from '../js-dataset.js';
import { readFields } from '../dataset.js';
import { Xoshiro128, shuffleInPlace } from '../prng.js';
import { envInt } from '../sampler.js';
import { ShardOrderSampler, type ShardOrderState } from '../shard-order.js';
import { expandBraces } from './braces.js';
import type { ShardCache, ShardLease } from './cache.js';
import { isRemote } from './transports.js';
import { RemoteShardLoader, type ShardLoaderOptions } from './shard-loader.js';
import { sampledItems, type SampledShards } from './shard-segments.js';

export interface StreamOptions {
  /** This process's rank and the number of ranks (default RANK / WORLD_SIZE, else 0 and 1). */
  rank?: number;
  worldSize?: number;
  /** Shuffle shard order per epoch (the same on every rank) and samples within a window of shards. Default false. */
  shuffle?: boolean;
  seed?: number;
  /** Shards fetched ahead of the one being read. Default 2. */
  prefetch?: number;
  /** With counts: the order itself (then rank, worldSize, shuffle, seed and resume are the sampler's). */
  sampler?: ShardOrderSampler;
  /** With counts: continue from `sampler.state(loader)` of an earlier run (any world size). */
  resume?: ShardOrderState;
}

export interface RemoteShardInfo {
  url: string;
  /** Samples (records) in the shard, when an index or the header gave them. */
  records: number | undefined;
  /** File size when the header or the index gave it. */
  bytes?: number | undefined;
}

/** This rank's shards for one epoch: the same order on every rank, then every worldSize-th. */
export function rankShards(count: number, epoch: number, o: StreamOptions): number[] {
  const rank = o.rank ?? envInt('RANK', 0);
  const worldSize = o.worldSize ?? envInt('WORLD_SIZE', 1);
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError(`worldSize must be a positive integer, got ${worldSize}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`rank must be an integer in [0, ${worldSize - 1}], got ${rank}`);
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  if (o.shuffle) shuffleInPlace(order, new Xoshiro128(o.seed ?? 0, epoch));
  return [...order].filter((_, i) => i % worldSize === rank);
}

export abstract class RemoteShardSet implements SampledShards {
  readonly shards: readonly RemoteShardInfo[];
  readonly cache: ShardCache;

  protected constructor(shards: RemoteShardInfo[], cache: ShardCache) {
    this.shards = Object.freeze(shards.map((s) => Object.freeze({ ...s })));
    this.cache = cache;
  }

  /** One native dataset over local copies (`paths`) of some of the shards (`urls`). */
  abstract openLocal(paths: string[], urls: string[]): NativeDataset<BatchArray>;

  /** Samples in all shards, or undefined when counts were not read. */
  get length(): number | undefined {
    let n = 0;
    for (const s of this.shards) {
      if (s.records === undefined) return undefined;
      n += s.records;
    }
    return n;
  }

  /** URLs and counts, for ShardOrderSampler (`new ShardOrderSampler(remote)`); needs counts. */
  get counted(): ReadonlyArray<{ url: string; samples: number }> {
    if (this.length === undefined) throw new TensorLoaderError('ERR_INVALID_ARG', 'sample counts are unknown: give a shard index (`tensorloader index` writes one) for the shard-aware order');
    return this.shards.map((s) => ({ url: s.url, samples: s.records! }));
  }

  /** ShardOrderSampler reads `shards[i].samples`: the counted view of the set. */
  get sampled(): { shards: ReadonlyArray<{ samples: number }> } {
    return { shards: this.counted };
  }

  /**
   * Native batches in the shard-aware order: `remote.loader({ sampler: new ShardOrderSampler(remote.sampled, { rank, worldSize }), batchSize })`.
   * Each rank fetches only the shards its part of the order reaches.
   */
  loader(options: ShardLoaderOptions): RemoteShardLoader {
    return new RemoteShardLoader(this, options);
  }

  /**
   * Leases every shard (the next few fetched ahead) and hands their local paths to `open`; the
   * leases are released after it returns (mapped shards stay readable once their files go).
   */
  protected async fetchAll<T>(open: (paths: string[], urls: string[]) => T): Promise<T> {
    const leases: ShardLease[] = [];
    const tooBig = (total: number): TensorLoaderError =>
      new TensorLoaderError('ERR_INVALID_ARG', `the shards hold ${total} bytes or more, more than cache.maxBytes ${this.cache.maxBytes}: map-style needs them all at once; use stream() or loader() to read shard by shard`);
    const known = this.shards.reduce((a, s) => a + (s.bytes ?? 0), 0);
    if (known > this.cache.maxBytes) throw tooBig(known);
    try {
      let total = 0;
      for (let i = 0; i < this.shards.length; i++) {
        this.cache.prefetch(this.shards.slice(i + 1, i + 4).map((s) => s.url));
        const lease = await this.cache.acquire(this.shards[i]!.url);
        leases.push(lease);
        total += lease.size;
        if (total > this.cache.maxBytes) throw tooBig(total);
      }
      return open(
        leases.map((l) => l.path),
        leases.map((l) => l.url),
      );
    } finally {
      for (const l of leases) l.release();
    }
  }

  /**
   * Items (`{ field: typed array }`) read through the cache. With counts, in the shard-aware
   * order (ShardOrderSampler): every rank gets the same number of items, and a state taken with
   * `sampler.state(loader)` resumes mid-epoch (pass it as `resume`; the loader must not shuffle).
   * Without counts, this rank's shards (rankShards) whole, one after another.
   */
  stream(options: StreamOptions = {}): IterableDataset<Record<string, BatchArray>> {
    const prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError(`prefetch must be a non-negative integer, got ${prefetch}`);
    if (this.length === undefined) {
      if (options.sampler || options.resume) throw new TensorLoaderError('ERR_INVALID_ARG', 'sample counts are unknown: a sampler and resume need a shard index');
      rankShards(this.shards.length, 0, options);  // checks rank and worldSize now, not mid-epoch
      return new IterableDataset((epoch) => this.#wholeShards(epoch, options, prefetch));
    }
    const sampler =
      options.sampler ??
      new ShardOrderSampler(this.sampled, {
        ...(options.rank !== undefined ? { rank: options.rank } : {}),
        ...(options.worldSize !== undefined ? { worldSize: options.worldSize } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.resume ? { resume: options.resume } : {}),
        shuffle: options.shuffle ?? false,
      });
    return new IterableDataset((epoch) => sampledItems(this, sampler, epoch, prefetch));
  }

  async *#wholeShards(epoch: number, o: StreamOptions, prefetch: number): AsyncGenerator<Record<string, BatchArray>> {
    const mine = rankShards(this.shards.length, epoch, o).map((i) => this.shards[i]!.url);
    for (let k = 0; k < mine.length; k++) {
      this.cache.prefetch(mine.slice(k + 1, k + 1 + prefetch));
      const lease = await this.cache.acquire(mine[k]!);
      try {
        const shard = this.openLocal([lease.path], [lease.url]);
        const order = Uint32Array.from({ length: shard.length }, (_, i) => i);
        if (o.shuffle) shuffleInPlace(order, new Xoshiro128((o.seed ?? 0) ^ 0x9e3779b9, epoch * 65_537 + k));
        for (const i of order) yield readFields(shard, i, epoch);
      } finally {
        lease.release();
      }
    }
  }
}

/** Runs `fn` over `items`, at most `limit` at once, results in order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Every shard a source names: URLs (with {000..099} ranges), lists of them. */
export function expandRemoteSource(source: string | readonly string[]): string[] {
  const list = typeof source === 'string' ? [source] : [...source];
  const urls = list.flatMap((s) => expandBraces(s));
  if (urls.length === 0) throw new TensorLoaderError('ERR_INVALID_ARG', 'no shards given');
  for (const u of urls) if (!isRemote(u)) throw new TensorLoaderError('ERR_INVALID_ARG', `mix of remote and local shards: ${u} (give only http(s):// or s3:// URLs)`);
  return urls;
}
