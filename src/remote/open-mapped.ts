// The `open()` of a dataset that also reads remote shards: local paths (and no index) open as
// the constructor does; URLs are fetched whole into the cache, then mapped as local shards.
import { TensorLoaderError } from '../errors.js';
import type { CacheOptions, ShardCache } from './cache.js';
import { isRemote } from './transports.js';

export interface RemoteOpenOptions {
  cache?: CacheOptions | ShardCache;
  index?: string;
}

export async function openLocalOrMapped<T, O extends object>(
  source: string | readonly string[],
  options: O & RemoteOpenOptions,
  local: (source: string | readonly string[], options: O) => T,
  remote: (source: string | readonly string[], options: O & { cache: CacheOptions | ShardCache; index?: string }) => Promise<{ mapped(): Promise<unknown> }>,
): Promise<T> {
  const named = typeof source === 'string' ? [source] : source;
  const { cache, index, ...rest } = options;
  if (!named.some((p) => isRemote(p)) && !index) return local(source, rest as O);
  if (!cache) throw new TensorLoaderError('ERR_INVALID_ARG', 'remote shards need a cache: { dir, maxBytes }');
  // The remote set is opened with these same options, so its fields and labels are the caller's.
  const set = await remote(source, { ...(rest as O), cache, ...(index ? { index } : {}) });
  return (await set.mapped()) as T;
}
