// The cache folder's layout and its cross-process rules. For a shard with key K:
//   K.shard, K.shard.json     the complete, checked shard and its identity (size, ETag, Last-Modified)
//   K.part-<host>-<pid>-<r>   a download in progress (its own name per process), + .json
//   K.lock                    O_EXCL: one process downloads K at a time (the others wait)
//   K.lease-<host>-<pid>-<r>  a hard link per process reading K: keeps the bytes alive if K.shard
//                             is evicted, and tells other processes not to evict it
// Only complete, size-checked files ever get the name K.shard (rename is atomic), so a reader
// never sees a partial shard, whatever crashes or races happen; locks only save duplicate work.
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { open, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RemoteMeta } from './transport.js';

export const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/** A file name for `url`: a hash (unique) and the URL's last component (readable). */
export function keyOf(url: string): string {
  const tail = (url.split(/[?#]/)[0]!.split('/').pop() || 'shard').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60);
  return `${createHash('sha256').update(url).digest('hex').slice(0, 16)}-${tail}`;
}

export function ownName(dir: string, key: string, kind: 'part' | 'lease'): string {
  return join(dir, `${key}.${kind}-${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Whether the process that made file `name` (a part, lease or lock of this host) may still run. */
export function ownerAlive(host: string, pid: number): boolean {
  if (host !== HOST) return true;  // another machine: only the lock's age can tell
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function ownerOf(name: string): { host: string; pid: number } | undefined {
  const m = /\.(?:part|lease)-([0-9a-f]{8})-(\d+)-[0-9a-f]+(?:\.json)?$/.exec(name);
  return m ? { host: m[1]!, pid: Number(m[2]) } : undefined;
}

/** Writes `data` to `path` through a temporary name and rename: readers see the old or the new file. */
export async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

export async function readMeta(path: string): Promise<(RemoteMeta & { url?: string }) | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as RemoteMeta & { url?: string };
    return Number.isSafeInteger(v.size) && v.size >= 0 ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function unlinkQuiet(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Marks a shard as just used: least-recently-used order is file mtime, shared by every process. */
export async function touch(path: string): Promise<void> {
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

export interface ShardEntry {
  key: string;
  /** Size of K.shard, 0 when absent. */
  bytes: number;
  mtimeMs: number;
  complete: boolean;
  /** Live lease links of other processes (this process knows its own from its lease table). */
  leases: number;
  /** Download temporaries: path, bytes, and whether the process that wrote it is gone. */
  parts: Array<{ path: string; bytes: number; orphan: boolean }>;
}

/**
 * Everything the cache folder holds, by key, with the disk bytes it uses (hard links of one
 * shard counted once). Leftovers of dead processes on this host (leases, temporaries) are removed.
 */
export async function scan(dir: string): Promise<{ bytes: number; entries: Map<string, ShardEntry> }> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const entries = new Map<string, ShardEntry>();
  const inodes = new Set<number>();
  let bytes = 0;
  for (const name of names) {
    const dot = name.indexOf('.');
    if (dot <= 0) continue;
    const key = name.slice(0, dot);
    const rest = name.slice(dot + 1);
    const owner = ownerOf(name);
    if (owner && !ownerAlive(owner.host, owner.pid) && !rest.startsWith('part')) {
      await unlinkQuiet(join(dir, name));  // a dead reader's lease
      continue;
    }
    if (rest.endsWith('.json') || rest === 'lock' || rest.includes('.tmp-')) continue;
    const st = await stat(join(dir, name)).catch(() => undefined);
    if (!st) continue;
    if (!inodes.has(st.ino)) {
      inodes.add(st.ino);
      bytes += st.size;
    }
    const e = entries.get(key) ?? { key, bytes: 0, mtimeMs: 0, complete: false, leases: 0, parts: [] };
    if (rest === 'shard') Object.assign(e, { bytes: st.size, mtimeMs: st.mtimeMs, complete: true });
    else if (rest.startsWith('lease-') && !(owner?.host === HOST && owner.pid === process.pid)) e.leases++;
    else if (rest.startsWith('part-')) e.parts.push({ path: join(dir, name), bytes: st.size, orphan: !!owner && !ownerAlive(owner.host, owner.pid) });
    entries.set(key, e);
  }
  return { bytes, entries };
}

/** The lock file of one key: O_EXCL create, refreshed while held, stale when its owner is gone. */
export class KeyLock {
  readonly path: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(dir: string, key: string) {
    this.path = join(dir, `${key}.lock`);
  }

  /** Takes the lock, or returns false when a live process holds it. */
  async tryTake(staleMs: number): Promise<boolean> {
    for (let round = 0; round < 2; round++) {
      try {
        const fh = await open(this.path, 'wx');
        await fh.writeFile(`${HOST} ${process.pid}\n`);
        await fh.close();
        this.#timer = setInterval(() => void touch(this.path), Math.max(250, staleMs / 4));
        this.#timer.unref();
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      if (!(await this.#stale(staleMs))) return false;
      await unlinkQuiet(this.path);
    }
    return false;
  }

  async #stale(staleMs: number): Promise<boolean> {
    const [text, st] = await Promise.all([readFile(this.path, 'utf8').catch(() => ''), stat(this.path).catch(() => undefined)]);
    if (!st) return true;
    const [host, pid] = text.trim().split(' ');
    if (host && pid && !ownerAlive(host, Number(pid))) return true;
    return Date.now() - st.mtimeMs > staleMs;
  }

  async release(): Promise<void> {
    clearInterval(this.#timer);
    await unlinkQuiet(this.path);
  }
}
