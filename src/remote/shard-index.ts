// Shard indexes in WebDataset's wids form: {"__kind__": "wids-shard-index-v1", "shardlist":
// [{"url": ..., "nsamples": ...}]}. Relative URLs are relative to the index's own location, so an
// index can sit next to its shards on a server or a disk.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { TensorLoaderError } from '../errors.js';
import { RemoteError } from './remote-error.js';
import { resolveRetry, withRetry, type RetryOptions } from './retry.js';
import { isRemote, transportFor, type RemoteSourceOptions } from './transports.js';

export interface IndexedShard {
  url: string;
  nsamples: number;
  filesize?: number;
}

export interface ShardIndex {
  __kind__: 'wids-shard-index-v1';
  wids_version: 1;
  shardlist: IndexedShard[];
}

const MAX_INDEX_BYTES = 64 << 20;

export function makeShardIndex(shards: IndexedShard[]): ShardIndex {
  return { __kind__: 'wids-shard-index-v1', wids_version: 1, shardlist: shards };
}

/** Reads an index from a path or a URL (http(s), s3; retried as shard downloads are), checking every entry. */
export async function loadShardIndex(location: string, options: RemoteSourceOptions & { retry?: RetryOptions } = {}): Promise<IndexedShard[]> {
  let text: string;
  if (isRemote(location)) {
    const transport = transportFor(location, options);
    text = await withRetry(resolveRetry(options.retry), async () => {
      const res = await transport.read(location, { start: 0, idleTimeoutMs: 30_000 });
      if (res.length > MAX_INDEX_BYTES) throw new TensorLoaderError('EFORMAT', `${location}: a shard index over ${MAX_INDEX_BYTES} bytes`);
      const chunks: Buffer[] = [];
      let have = 0;
      for await (const chunk of res.body) {
        chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        have += chunk.byteLength;
      }
      if (have !== res.length) throw new RemoteError('ERR_REMOTE_LENGTH', `the index body ended after ${have} of ${res.length} bytes`, { url: location, attempts: 1 });
      return Buffer.concat(chunks).toString('utf8');
    });
  } else {
    text = await readFile(location, 'utf8');
  }
  if (text.length > MAX_INDEX_BYTES) throw new TensorLoaderError('EFORMAT', `${location}: a shard index over ${MAX_INDEX_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new TensorLoaderError('EFORMAT', `${location}: not JSON (${(e as Error).message})`);
  }
  const list = (parsed as { shardlist?: unknown })?.shardlist;
  if (!Array.isArray(list) || list.length === 0) throw new TensorLoaderError('EFORMAT', `${location}: no "shardlist" array of shards`);
  return list.map((s, i) => {
    const e = s as Partial<IndexedShard>;
    if (typeof e?.url !== 'string' || e.url === '' || !Number.isSafeInteger(e.nsamples) || e.nsamples! < 0) {
      throw new TensorLoaderError('EFORMAT', `${location}: shardlist[${i}] needs a "url" string and a non-negative integer "nsamples"`);
    }
    return { url: resolveAgainst(location, e.url), nsamples: e.nsamples! };
  });
}

function resolveAgainst(index: string, url: string): string {
  if (isRemote(url) || url.startsWith('/')) return url;
  if (isRemote(index)) return new URL(url, index).toString();
  return resolve(dirname(index), url);
}
