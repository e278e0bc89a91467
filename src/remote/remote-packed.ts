// Packed shards behind URLs. Counts come from a wids shard index or each shard's header (one
// Range GET each); then the set is either mapped whole (every shard in the cache at once, then
// read as a local PackedDataset), streamed through the cache as an IterableDataset, or read in
// the shard-aware order by loader() (shard-set.ts), the next shards fetched ahead.
import type { Batch } from '../batch.js';
import type { BatchArray } from '../dataset.js';
import { DataLoader, type DataLoaderOptions } from '../loader.js';
import { TensorLoaderError } from '../errors.js';
import { PackedDataset, type PackedDatasetOptions } from '../datasets/packed-dataset.js';
import { expandBraces } from './braces.js';
import { ShardCache, type CacheOptions } from './cache.js';
import { packedCount } from './packed-header.js';
import { loadShardIndex } from './shard-index.js';
import { isRemote } from './transports.js';
import { expandRemoteSource, mapLimited, rankShards, RemoteShardSet, type RemoteShardInfo, type StreamOptions } from './shard-set.js';

export { expandRemoteSource, rankShards, type RemoteShardInfo, type StreamOptions } from './shard-set.js';

export interface RemotePackedOptions extends PackedDatasetOptions {
  /** Where shards are fetched to: options for a new cache, or one shared with other datasets. */
  cache: CacheOptions | ShardCache;
  /** A wids shard index (path or URL) giving each shard's sample count, instead of reading headers. */
  index?: string;
  /** 'header' (default): one Range GET per shard for its count; 'none': counts unknown, iterable only. */
  counts?: 'header' | 'none';
}

export class RemotePackedDataset extends RemoteShardSet {
  readonly #options: PackedDatasetOptions;

  private constructor(shards: RemoteShardInfo[], cache: ShardCache, options: PackedDatasetOptions) {
    super(shards, cache);
    this.#options = options;
  }

  openLocal(paths: string[]): PackedDataset {
    return new PackedDataset(paths, { ...this.#options, subset: true });
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

  /**
   * Fetches every shard into the cache and opens them as one local PackedDataset (mapped, as a
   * local set is). The set must fit in the cache. Once mapped, a shard evicted from the folder
   * stays readable through its mapping (POSIX keeps an unlinked file's bytes while it is mapped).
   */
  async mapped(): Promise<PackedDataset> {
    return this.fetchAll((paths) => new PackedDataset(paths, this.#options));
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
}
