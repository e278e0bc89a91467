// One download attempt of a whole shard into this process's part file, resuming from the bytes
// already there when the shard has not changed (Range + If-Range). The part only ever holds a
// prefix of one version of the shard; it gets the shard's name only once complete (cache.ts).
import { open, readdir, rename, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { RemoteError } from './remote-error.js';
import { readMeta, unlinkQuiet, writeAtomic } from './cache-files.js';
import { sameShard, validatorOf, type RemoteMeta, type Transport } from './transport.js';

export interface DownloadContext {
  url: string;
  dir: string;
  key: string;
  /** This process's part file (and `${part}.json`, the identity its bytes belong to). */
  part: string;
  transport: Transport;
  idleTimeoutMs: number;
  signal?: AbortSignal | undefined;
  onBytes?: ((received: number, total: number) => void) | undefined;
}

/**
 * Takes over a part left by an earlier run (a process killed mid-download) so its bytes are
 * resumed instead of fetched again. Called with the key's lock held, so no live process owns
 * another part of this key unless it lost a lock race; then both still write their own files.
 */
export async function adoptPart(dir: string, key: string, part: string, alive: (name: string) => boolean): Promise<void> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`${key}.part-`) && !n.endsWith('.json') && !n.includes('.tmp-'));
  let adopted = false;
  for (const name of names) {
    const path = join(dir, name);
    if (path === part || alive(name)) continue;
    if (!adopted && (await readMeta(`${path}.json`))) {
      await rename(`${path}.json`, `${part}.json`).catch(() => undefined);
      await rename(path, part).catch(() => undefined);
      adopted = true;
    } else {
      await unlinkQuiet(path);
      await unlinkQuiet(`${path}.json`);
    }
  }
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/** Appends the rest of the shard described by `meta` to the part file; returns when it holds all `meta.size` bytes. */
export async function downloadInto(c: DownloadContext, meta: RemoteMeta): Promise<void> {
  const partMeta = await readMeta(`${c.part}.json`);
  let have = partMeta && sameShard(partMeta, meta) ? await sizeOf(c.part) : 0;
  if (have > meta.size) have = 0;
  if (have === 0) {
    await writeAtomic(`${c.part}.json`, JSON.stringify({ url: c.url, ...meta }));
    await truncate(c.part, 0).catch(async () => (await open(c.part, 'w')).close());
  }
  if (have === meta.size) return;
  const res = await c.transport.read(c.url, { start: have, ifRange: validatorOf(meta), idleTimeoutMs: c.idleTimeoutMs, signal: c.signal });
  const fh = await open(c.part, 'r+');
  try {
    if (res.start !== have) {
      if (res.start !== 0) throw new RemoteError('ERR_REMOTE_LENGTH', `asked for bytes from ${have}, got a body starting at ${res.start}`, { url: c.url, attempts: 1 });
      // If-Range did not match: the store sent the whole (changed) shard.
      await fh.truncate(0);
      have = 0;
    }
    if (res.meta.etag && meta.etag && res.meta.etag !== meta.etag) {
      throw new RemoteError('ERR_REMOTE_CHANGED', `the shard changed during the download (size ${meta.size} → ${res.meta.size}, ETag ${meta.etag ?? '-'} → ${res.meta.etag ?? '-'})`, { url: c.url, attempts: 1 });
    }
    if (have + res.length !== meta.size || (!Number.isNaN(res.meta.size) && res.meta.size !== meta.size)) {
      throw new RemoteError('ERR_REMOTE_LENGTH', `the body holds ${res.length} bytes from ${have}, the shard has ${meta.size}`, { url: c.url, attempts: 1 });
    }
    let at = have;
    const end = have + res.length;
    c.onBytes?.(at, meta.size);  // the starting point: bytes resumed are not counted as fetched
    for await (const chunk of res.body) {
      if (at + chunk.byteLength > end) throw new RemoteError('ERR_REMOTE_LENGTH', `the body is longer than its ${res.length} announced bytes`, { url: c.url, attempts: 1 });
      let off = 0;
      while (off < chunk.byteLength) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off, at);
        off += bytesWritten;
        at += bytesWritten;
      }
      c.onBytes?.(at, meta.size);
    }
    if (at !== end) throw new RemoteError('ERR_REMOTE_LENGTH', `the body ended after ${at - have} of ${res.length} bytes`, { url: c.url, attempts: 1 });
    await fh.datasync();
  } finally {
    await fh.close();
  }
}
