// Packed shards behind URLs. Counts come from a wids shard index or each shard's header (one
// Range GET each); then the set is either mapped whole (every shard in the cache at once, then
// read as a local PackedDataset) or streamed shard by shard through the cache as an
// IterableDataset, each rank taking its share of the shards, the next ones fetched ahead.
import type { Batch } from '../batch.js';
import type { BatchArray } from '../dataset.js';
import { DataLoader, type DataLoaderOptions } from '../loader.js';
import { TensorLoaderError } from '../errors.js';
import { IterableDataset } from '../js-dataset.js';
import { Xoshiro128, shuffleInPlace } from '../prng.js';
import { PackedDataset, type PackedDatasetOptions } from '../datasets/packed-dataset.js';
import { expandBraces } from './braces.js';
import { ShardCache, type CacheOptions, type ShardLease } from './cache.js';
import { packedCount } from './packed-header.js';
import { loadShardIndex } from './shard-index.js';
import { isRemote } from './transports.js';

export interface RemotePackedOptions extends PackedDatasetOptions {
  /** Where shards are fetched to: options for a new cache, or one shared with other datasets. */
  cache: CacheOptions | ShardCache;
  /** A wids shard index (path or URL) giving each shard's sample count, instead of reading headers. */
  index?: string;
  /** 'header' (default): one Range GET per shard for its count; 'none': counts unknown, iterable only. */
  counts?: 'header' | 'none';
}

export interface StreamOptions {
  /** This process's rank and the number of ranks (default RANK / WORLD_SIZE, else 0 and 1). */
  rank?: number;
  worldSize?: number;
  /** Shuffle shard order per epoch (the same on every rank) and records within each shard. Default false. */
  shuffle?: boolean;
  seed?: number;
  /** Shards fetched ahead of the one being read. Default 2. */
  prefetch?: number;
}

export interface RemoteShardInfo {
  url: string;
  records: number | undefined;
  /** File size when the header or the index gave it. */
  bytes?: number | undefined;
}

/** Every shard a source names: URLs (with {000..099} ranges), lists of them. */
export function expandRemoteSource(source: string | readonly string[]): string[] {
  const list = typeof source === 'string' ? [source] : [...source];
  const urls = list.flatMap((s) => expandBraces(s));
  if (urls.length === 0) throw new TensorLoaderError('ERR_INVALID_ARG', 'no shards given');
  for (const u of urls) if (!isRemote(u)) throw new TensorLoaderError('ERR_INVALID_ARG', `mix of remote and local shards: ${u} (give only http(s):// or s3:// URLs)`);
  return urls;
}

const envInt = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);

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

export class RemotePackedDataset {
  readonly shards: readonly RemoteShardInfo[];
  readonly cache: ShardCache;
  readonly #options: PackedDatasetOptions;

  private constructor(shards: RemoteShardInfo[], cache: ShardCache, options: PackedDatasetOptions) {
    this.shards = Object.freeze(shards);
    this.cache = cache;
    this.#options = options;
  }

  static async open(source: string | readonly string[], options: RemotePackedOptions): Promise<RemotePackedDataset> {
    const { cache: cacheOption, index, counts, ...packed } = options;
    if (!cacheOption) throw new TensorLoaderError('ERR_INVALID_ARG', 'remote shards need a cache: { dir, maxBytes }');
    const cache = cacheOption instanceof ShardCache ? cacheOption : new ShardCache(cacheOption);
    let shards: RemoteShardInfo[];
    if (index) {
      shards = (await loadShardIndex(index, cache.options)).map((s) => ({ url: s.url, records: s.nsamples, bytes: s.filesize }));
    } else {
      const urls = expandRemoteSource(source);
      if (counts === 'none') shards = urls.map((url) => ({ url, records: undefined }));
      else {
        shards = await mapLimited(urls, 8, async (url) => {
          const c = await packedCount(url, cache.options);
          return { url, records: c.records, bytes: c.fileBytes };
        });
      }
    }
    return new RemotePackedDataset(shards, cache, packed);
  }

  /** Records in all shards, or undefined when counts were not read. */
  get length(): number | undefined {
    let n = 0;
    for (const s of this.shards) {
      if (s.records === undefined) return undefined;
      n += s.records;
    }
    return n;
  }

  /**
   * Fetches every shard into the cache and opens them as one local PackedDataset (mapped, as a
   * local set is). The set must fit in the cache. Once mapped, a shard evicted from the folder
   * stays readable through its mapping (POSIX keeps an unlinked file's bytes while it is mapped).
   */
  async mapped(): Promise<PackedDataset> {
    const leases: ShardLease[] = [];
    const tooBig = (total: number): TensorLoaderError =>
      new TensorLoaderError('ERR_INVALID_ARG', `the shards hold ${total} bytes or more, more than cache.maxBytes ${this.cache.maxBytes}: map-style needs them all at once; use stream() to read shard by shard`);
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
      return new PackedDataset(
        leases.map((l) => l.path),
        this.#options,
      );
    } finally {
      for (const l of leases) l.release();
    }
  }

  /**
   * Items shard by shard: each shard is fetched whole, opened, read, then released to the cache
   * (so at most prefetch + 1 shards per reader are held). Items are `{ field: typed array }`.
   */
  stream(options: StreamOptions = {}): IterableDataset<Record<string, BatchArray>> {
    const prefetch = options.prefetch ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError(`prefetch must be a non-negative integer, got ${prefetch}`);
    rankShards(this.shards.length, 0, options);  // checks rank and worldSize now, not mid-epoch
    return new IterableDataset((epoch) => this.#items(epoch, options, prefetch));
  }

  /**
   * Native batches shard by shard: the same shards per rank and epoch as stream(), each shard
   * read by its own native DataLoader (`loader` options: batchSize, threads, image...), so
   * items never pass through JS. A batch never spans two shards: a shard's last batch is short
   * unless its record count is a multiple of batchSize (or `dropLast` drops it). Release each
   * batch before the next as with any loader: once a shard is done its loader closes, and views
   * of its batches still held read as empty (`loader: { copy: true }` to keep them).
   */
  async *batches(epoch: number, options: StreamOptions & { loader?: Omit<DataLoaderOptions<BatchArray>, 'sampler' | 'batchSampler' | 'resume' | 'epoch' | 'collate'> } = {}): AsyncGenerator<Batch<BatchArray>> {
    const prefetch = options.prefetch ?? 2;
    const mine = rankShards(this.shards.length, epoch, options).map((i) => this.shards[i]!.url);
    for (let k = 0; k < mine.length; k++) {
      this.cache.prefetch(mine.slice(k + 1, k + 1 + prefetch));
      const lease = await this.cache.acquire(mine[k]!);
      const loader = new DataLoader<BatchArray>(new PackedDataset(lease.path, { ...this.#options, subset: true }), {
        ...options.loader,
        shuffle: options.shuffle ?? false,
        seed: ((options.seed ?? 0) ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0,
        epoch,
      });
      try {
        yield* loader;
      } finally {
        loader.close();
        lease.release();
      }
    }
  }

  async *#items(epoch: number, o: StreamOptions, prefetch: number): AsyncGenerator<Record<string, BatchArray>> {
    const mine = rankShards(this.shards.length, epoch, o).map((i) => this.shards[i]!.url);
    for (let k = 0; k < mine.length; k++) {
      this.cache.prefetch(mine.slice(k + 1, k + 1 + prefetch));
      const lease = await this.cache.acquire(mine[k]!);
      try {
        const shard = new PackedDataset(lease.path, { ...this.#options, subset: true });
        const order = Uint32Array.from({ length: shard.length }, (_, i) => i);
        if (o.shuffle) shuffleInPlace(order, new Xoshiro128((o.seed ?? 0) ^ 0x9e3779b9, epoch * 65_537 + k));
        for (const i of order) yield shard.get(i, epoch);
      } finally {
        lease.release();
      }
    }
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
