// The remote layer's public surface.
export { ShardCache, type CacheOptions, type ShardLease } from './cache.js';
export { RemoteError } from './remote-error.js';
export type { DownloadEvent } from './progress.js';
export type { RetryOptions } from './retry.js';
export type { S3Options } from './s3.js';
export { isRemote, type RemoteSourceOptions } from './transports.js';
export { RemotePackedDataset, rankShards, type RemotePackedOptions, type StreamOptions, type RemoteShardInfo } from './remote-packed.js';
export { RemoteWebDataset, type RemoteWebDatasetOptions } from './remote-webdataset.js';
export { RemoteShardSet } from './shard-set.js';
export { RemoteShardLoader, type ShardLoaderOptions } from './shard-loader.js';
export { loadShardIndex, makeShardIndex, type ShardIndex, type IndexedShard } from './shard-index.js';
export { expandBraces } from './braces.js';
