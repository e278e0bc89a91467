// The shard cache: remote shards fetched whole into a bounded local folder, read through leases.
// acquire(url) returns a local path that stays valid until the lease is released; prefetch(urls)
// fetches the next shards in the background, never past maxBytes.
import { mkdirSync, unlinkSync } from 'node:fs';
import { link, rename, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { TensorLoaderError } from '../errors.js';
import { HOST, KeyLock, keyOf, ownName, ownerAlive, ownerOf, readMeta, scan, touch, unlinkQuiet, writeAtomic } from './cache-files.js';
import { adoptPart, downloadInto } from './download.js';
import { RemoteError } from './remote-error.js';
import { resolveRetry, withRetry, type RetryOptions } from './retry.js';
import { DownloadProgress, type DownloadEvent } from './progress.js';
import { Semaphore } from './semaphore.js';
import { sameShard, type RemoteMeta, type Transport } from './transport.js';
import { transportFor, type RemoteSourceOptions } from './transports.js';

export interface CacheOptions extends RemoteSourceOptions {
  /** The cache folder (made if missing); several processes may share it. */
  dir: string;
  /** Bound on the folder's bytes, besides the shards being read (see README "Many machines"). */
  maxBytes: number;
  /** Downloads at once. Default 4. */
  concurrency?: number;
  retry?: RetryOptions;
  /** A download or request with no byte for this long fails (and is retried). Default 30 000. */
  idleTimeoutMs?: number;
  /** One attempt at one shard may take at most this long. Default: no limit. */
  totalTimeoutMs?: number;
  /**
   * When a cached shard is checked against the store (HEAD: size, ETag, Last-Modified):
   * 'once' (default: the first time this cache serves it), 'always', or 'never' (offline).
   */
  revalidate?: 'once' | 'always' | 'never';
  /** Called as downloads advance. */
  onProgress?: (event: DownloadEvent) => void;
  /** Progress on stderr (opt-in, as the loader's): true, a bar on a terminal and a line every 2 s elsewhere; 'auto', a bar on a terminal only; false (default). */
  progress?: boolean | 'auto';
  /** A lock not refreshed for this long belongs to a dead process (on another machine). Default 30 000. */
  staleLockMs?: number;
}

export interface ShardLease extends Disposable {
  readonly url: string;
  /** A local path holding the whole shard; valid until release(). */
  readonly path: string;
  readonly size: number;
  release(): void;
}

interface Held {
  refs: number;
  path: string;
  size: number;
}

export class ShardCache {
  readonly dir: string;
  readonly maxBytes: number;
  readonly options: Readonly<CacheOptions>;
  readonly #o: CacheOptions;
  readonly #retry;
  readonly #slots: Semaphore;
  readonly #held = new Map<string, Held>();
  readonly #fetching = new Map<string, { background: boolean; done: Promise<RemoteMeta> }>();
  /** Keys fetched ahead and not yet acquired: background fetches do not evict them for one another. */
  readonly #ahead = new Set<string>();
  readonly #checked = new Set<string>();
  readonly #progress: DownloadProgress;
  readonly #transports = new Map<string, Transport>();
  /** Bytes promised to downloads in flight in this process, by key (their parts count as this much). */
  readonly #reserved = new Map<string, number>();
  /** One eviction decision at a time, so two downloads cannot both take the same free bytes. */
  readonly #room = new Semaphore(1);
  /** Downloads started by prefetch that have not finished. */
  readonly #background = new Set<Promise<unknown>>();

  constructor(options: CacheOptions) {
    if (!options || typeof options.dir !== 'string' || options.dir === '') throw new TensorLoaderError('ERR_INVALID_ARG', 'cache.dir: give the cache folder');
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1) throw new TensorLoaderError('ERR_INVALID_ARG', `cache.maxBytes must be a positive integer, got ${options.maxBytes}`);
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new TensorLoaderError('ERR_INVALID_ARG', `cache.concurrency must be an integer in [1, 64], got ${concurrency}`);
    for (const k of ['idleTimeoutMs', 'totalTimeoutMs', 'staleLockMs'] as const) {
      const v = options[k];
      if (v !== undefined && (!Number.isFinite(v) || v <= 0)) throw new TensorLoaderError('ERR_INVALID_ARG', `cache.${k} must be a positive number, got ${v}`);
    }
    if (options.revalidate !== undefined && !['once', 'always', 'never'].includes(options.revalidate)) {
      throw new TensorLoaderError('ERR_INVALID_ARG', `cache.revalidate must be 'once', 'always' or 'never', got ${String(options.revalidate)}`);
    }
    this.dir = resolve(options.dir);
    mkdirSync(this.dir, { recursive: true });
    this.maxBytes = options.maxBytes;
    this.#o = options;
    this.options = Object.freeze({ ...options });
    this.#retry = resolveRetry(options.retry);
    this.#slots = new Semaphore(concurrency);
    this.#progress = new DownloadProgress(options.progress ?? false, options.onProgress);
  }

  #transport(url: string): Transport {
    const scheme = url.slice(0, url.indexOf(':'));
    let t = this.#transports.get(scheme);
    if (!t) this.#transports.set(scheme, (t = transportFor(url, this.#o)));
    return t;
  }

  #paths(url: string): { key: string; shard: string } {
    const key = keyOf(url);
    return { key, shard: join(this.dir, `${key}.shard`) };
  }

  /** The shard at `url` as a local file, fetched first when it is not cached or has changed. */
  async acquire(url: string, options: { signal?: AbortSignal } = {}): Promise<ShardLease> {
    this.#ahead.delete(keyOf(url));
    const held = this.#held.get(url);
    if (held) {
      held.refs++;
      await touch(held.path);
      return this.#lease(url, held);
    }
    for (let round = 0; ; round++) {
      const meta = await this.#ensure(url, false, options.signal);
      const { key, shard } = this.#paths(url);
      const path = ownName(this.dir, key, 'lease');
      try {
        await link(shard, path);
      } catch (e) {
        // Another process evicted it between our check and the link: fetch it again.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && round < 3) continue;
        throw e;
      }
      const again = this.#held.get(url);
      if (again) {
        await unlinkQuiet(path);
        again.refs++;
        return this.#lease(url, again);
      }
      await touch(shard);
      this.#ahead.delete(key);  // a prefetch that finished while this acquire waited on it
      const h = { refs: 1, path, size: meta.size };
      this.#held.set(url, h);
      return this.#lease(url, h);
    }
  }

  #lease(url: string, h: Held): ShardLease {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (--h.refs > 0) return;
      this.#held.delete(url);
      // At once, not later: a released shard may be evicted next, and until its lease link goes
      // its bytes stay on disk beside the shard fetched in its place (past maxBytes).
      try {
        unlinkSync(h.path);
      } catch {
        // already gone (a dead-lease sweep by another process)
      }
    };
    return { url, path: h.path, size: h.size, release, [Symbol.dispose]: release };
  }

  /**
   * Starts fetching `urls` in the background (at most `concurrency` at once, stopping at the
   * first that would not fit beside what is cached and held); failures surface on acquire().
   */
  prefetch(urls: readonly string[]): void {
    for (const url of urls) {
      if (this.#held.has(url) || this.#fetching.has(url)) continue;
      const p = this.#ensure(url, true).then(
        () => this.#ahead.add(keyOf(url)),
        () => undefined,
      );
      this.#background.add(p);
      void p.finally(() => this.#background.delete(p));
    }
  }

  /** Waits for every background download to end (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  /**
   * What the folder holds now: bytes on disk (shared links once), complete shards. The folder is
   * listed and then each file statted, so while downloads run the sum can be off by a shard.
   */
  async usage(): Promise<{ bytes: number; shards: number }> {
    const { bytes, entries } = await scan(this.dir);
    return { bytes, shards: [...entries.values()].filter((e) => e.complete).length };
  }

  /** Makes sure the complete shard is in the folder; returns its identity. One fetch per URL at a time in this process. */
  async #ensure(url: string, background: boolean, signal?: AbortSignal): Promise<RemoteMeta> {
    const running = this.#fetching.get(url);
    if (running) {
      if (!running.background || background) return running.done;
      // A reader needs what a prefetch is fetching: join it, or fetch it now if it found no room.
      try {
        return await running.done;
      } catch (e) {
        if (!(e instanceof NoRoom)) throw e;
        return this.#ensure(url, false, signal);
      }
    }
    const done = this.#slots.run(() => this.#fetchLocked(url, background, signal)).finally(() => this.#fetching.delete(url));
    this.#fetching.set(url, { background, done });
    return done;
  }

  async #head(url: string, signal?: AbortSignal): Promise<RemoteMeta> {
    const idleTimeoutMs = this.#o.idleTimeoutMs ?? 30_000;
    return withRetry(this.#retry, () => this.#transport(url).head(url, { idleTimeoutMs, signal }), signal);
  }

  /** The cached copy if it is complete and (per `revalidate`) still the store's version. */
  async #cached(url: string, signal?: AbortSignal): Promise<RemoteMeta | undefined> {
    const { shard } = this.#paths(url);
    const [meta, st] = await Promise.all([readMeta(`${shard}.json`), stat(shard).catch(() => undefined)]);
    if (!meta || !st || meta.size !== st.size || meta.url !== url) return undefined;
    const mode = this.#o.revalidate ?? 'once';
    if (mode === 'never' || (mode === 'once' && this.#checked.has(url))) return meta;
    const now = await this.#head(url, signal);
    this.#checked.add(url);
    return sameShard(meta, now) ? meta : undefined;
  }

  async #fetchLocked(url: string, background: boolean, signal?: AbortSignal): Promise<RemoteMeta> {
    const hit = await this.#cached(url, signal);
    if (hit) return hit;
    const { key } = this.#paths(url);
    const lock = new KeyLock(this.dir, key);
    const staleMs = this.#o.staleLockMs ?? 30_000;
    while (!(await lock.tryTake(staleMs))) {
      // Another process is fetching it: wait for its lock to go, then use what it left.
      await new Promise((r) => setTimeout(r, 50));
      signal?.throwIfAborted();
    }
    try {
      this.#checked.delete(url);
      return (await this.#cached(url, signal)) ?? (await this.#download(url, key, background, signal));
    } finally {
      await lock.release();
    }
  }

  async #download(url: string, key: string, background: boolean, signal?: AbortSignal): Promise<RemoteMeta> {
    const part = ownName(this.dir, key, 'part');
    // Renames in the folder take #room, as the eviction decisions do: a decision's scan lists
    // the folder and then stats each name, and a file renamed in between is seen under neither
    // name. That once let a shard in past maxBytes (its part vanished from a scan just as its
    // reservation was dropped).
    await this.#room.run(() =>
      adoptPart(this.dir, key, part, (name) => {
        const o = ownerOf(name);
        return !!o && ownerAlive(o.host, o.pid) && !(o.host === HOST && o.pid === process.pid);
      }),
    );
    const idleTimeoutMs = this.#o.idleTimeoutMs ?? 30_000;
    let done = false;
    try {
      const meta = await withRetry(
        this.#retry,
        async () => {
          const attemptSignal = this.#attemptSignal(signal);
          const meta = await this.#transport(url).head(url, { idleTimeoutMs, signal: attemptSignal });
          this.#checkFits(url, meta);
          await this.#room.run(() => this.#makeRoom(url, meta.size, background));
          await downloadInto(
            { url, dir: this.dir, key, part, transport: this.#transport(url), idleTimeoutMs, signal: attemptSignal, onBytes: (r, t) => this.#progress.update(url, r, t) },
            meta,
          ).catch((e: unknown) => {
            throw attemptSignal?.aborted && !signal?.aborted ? new RemoteError('ERR_REMOTE_TIMEOUT', `the download took longer than ${this.#o.totalTimeoutMs} ms`, { url, attempts: 1 }) : e;
          });
          return meta;
        },
        signal,
      );
      const { shard } = this.#paths(url);
      const st = await stat(part);
      if (st.size !== meta.size) throw new RemoteError('ERR_REMOTE_LENGTH', `downloaded ${st.size} bytes, the shard has ${meta.size}`, { url, attempts: 1 });
      // Data first, identity second: a crash between them leaves an old or missing identity,
      // which only costs a fetch, never a wrong shard under a right identity.
      // The reservation goes with the part, in one step for the scans (see above).
      await this.#room.run(async () => {
        await rename(part, shard);
        this.#reserved.delete(key);
      });
      await writeAtomic(`${shard}.json`, JSON.stringify({ url, ...meta }));
      this.#checked.add(url);
      this.#progress.done(url);
      done = true;
      return meta;
    } finally {
      this.#reserved.delete(key);
      // A failed part stays for the next run to resume; a finished one is gone (renamed).
      if (done) await unlinkQuiet(`${part}.json`);
      else this.#progress.done(url);
    }
  }

  #attemptSignal(signal?: AbortSignal): AbortSignal | undefined {
    const total = this.#o.totalTimeoutMs;
    if (total === undefined) return signal;
    return signal ? AbortSignal.any([signal, AbortSignal.timeout(total)]) : AbortSignal.timeout(total);
  }

  #checkFits(url: string, meta: RemoteMeta): void {
    if (meta.size > this.maxBytes) {
      throw new RemoteError('ERR_REMOTE_TOO_BIG', `the shard has ${meta.size} bytes, more than the whole cache (maxBytes ${this.maxBytes}); raise cache.maxBytes or make smaller shards`, { url, attempts: 1 });
    }
  }

  /**
   * Evicts least-recently-used shards that no process reads until `bytes` more fit under
   * maxBytes. A reader's fetch goes ahead when only held shards are left (the bound allows the
   * shards being read); a background fetch gives up instead (NoRoom), and evicts no shard that
   * was fetched ahead and not read yet.
   */
  async #makeRoom(url: string, bytes: number, background: boolean): Promise<void> {
    // This process's readers: its lease table, not its links (a released lease's link may not be unlinked yet).
    const own = new Set([...this.#held.keys()].map((u) => keyOf(u)));
    const self = keyOf(url);
    const { bytes: scanned, entries } = await scan(this.dir);
    let used = scanned;
    for (const [key, reserved] of this.#reserved) {
      // A download in flight counts as its whole size, not the bytes it has so far.
      used += reserved - (entries.get(key)?.parts.filter((p) => !p.orphan).reduce((a, p) => a + p.bytes, 0) ?? 0);
    }
    used -= entries.get(self)?.bytes ?? 0;  // an outdated copy is replaced
    let over = used + bytes - this.maxBytes;
    this.#reserved.set(self, bytes);
    if (over <= 0) return;
    // Parts of processes that died go first, then least-recently-used shards nobody reads.
    for (const e of entries.values()) {
      for (const p of e.parts) {
        if (over <= 0 || !p.orphan || e.key === self) continue;
        await unlinkQuiet(p.path);
        await unlinkQuiet(`${p.path}.json`);
        over -= p.bytes;
      }
    }
    const victims = [...entries.values()]
      .filter((e) => e.complete && e.leases === 0 && e.key !== self && !own.has(e.key) && !(background && this.#ahead.has(e.key)))
      .sort((a, b) => a.mtimeMs - b.mtimeMs);
    const room = victims.reduce((a, v) => a + v.bytes, 0);
    if (background && room < over) {
      this.#reserved.delete(self);
      throw new NoRoom(url);
    }
    for (const v of victims) {
      if (over <= 0) break;
      const shard = join(this.dir, `${v.key}.shard`);
      await unlinkQuiet(`${shard}.json`);
      await unlinkQuiet(shard);
      this.#ahead.delete(v.key);
      over -= v.bytes;
    }
  }
}

/** A prefetch found the cache full of shards in use or fetched ahead: the reader fetches it when it needs it. */
class NoRoom extends RemoteError {
  constructor(url: string) {
    super('ERR_REMOTE_NO_ROOM', 'no room in the cache to fetch ahead', { url, attempts: 1 });
  }
}
