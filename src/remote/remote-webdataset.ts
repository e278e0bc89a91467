// WebDataset tar shards behind URLs (http(s)://, s3://). Shards are fetched whole into the
// cache and indexed natively there, as local shards are. Counts come from a wids shard index
// (`tensorloader index` writes one); with them the set is map-style once mapped, and loader()
// and stream() follow the shard-aware order. Without them only stream() reads it, shard by shard.
import { shardUrls, WebDataset, type AnyWebDataset, type WebDatasetOptions } from '../datasets/webdataset.js';
import { TensorLoaderError } from '../errors.js';
import { ShardCache, type CacheOptions } from './cache.js';
import { loadShardIndex } from './shard-index.js';
import { expandRemoteSource, RemoteShardSet, type RemoteShardInfo } from './shard-set.js';

export interface RemoteWebDatasetOptions extends WebDatasetOptions {
  /** Where shards are fetched to: options for a new cache, or one shared with other datasets. */
  cache: CacheOptions | ShardCache;
  /** A wids shard index (path or URL) giving each shard's sample count; it names the shards (the source is then ignored). */
  index?: string;
}

export class RemoteWebDataset extends RemoteShardSet {
  readonly #options: WebDatasetOptions;

  private constructor(shards: RemoteShardInfo[], cache: ShardCache, options: WebDatasetOptions) {
    super(shards, cache);
    this.#options = options;
  }

  /** The shards a source names (URLs, brace patterns, lists), counts from `index` when given. No shard is fetched yet. */
  static async open(source: string | readonly string[], options: RemoteWebDatasetOptions): Promise<RemoteWebDataset> {
    const { cache: cacheOption, index, ...wds } = options ?? ({} as RemoteWebDatasetOptions);
    if (!cacheOption) throw new TensorLoaderError('ERR_INVALID_ARG', 'remote shards need a cache: { dir, maxBytes }');
    const cache = cacheOption instanceof ShardCache ? cacheOption : new ShardCache(cacheOption);
    const shards: RemoteShardInfo[] = index
      ? (await loadShardIndex(index, cache.options)).map((s) => ({ url: s.url, records: s.nsamples, bytes: s.filesize }))
      : expandRemoteSource(source).map((url) => ({ url, records: undefined }));
    for (const s of shards) if (!/^(https?|s3):\/\//i.test(s.url)) throw new TensorLoaderError('ERR_INVALID_ARG', `${s.url}: a remote set's index must name remote shards`);
    return new RemoteWebDataset(shards, cache, wds);
  }

  openLocal(paths: string[], urls: string[]): AnyWebDataset {
    return new WebDataset(paths, { ...this.#options, [shardUrls]: urls });
  }

  /**
   * Fetches every shard into the cache and indexes them as one local WebDataset (map-style).
   * The set must fit in the cache; counts from an index are checked against the shards.
   */
  async mapped(): Promise<AnyWebDataset> {
    return this.fetchAll((paths, urls) => {
      const ds = this.openLocal(paths, urls);
      ds.shards.forEach((s, i) => {
        const want = this.shards[i]!.records;
        if (want !== undefined && want !== s.samples) {
          throw new TensorLoaderError('EFORMAT', `${this.shards[i]!.url}: the shard index gives ${want} samples, the shard holds ${s.samples}`);
        }
      });
      return ds;
    });
  }
}
