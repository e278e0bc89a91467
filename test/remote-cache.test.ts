// The shard cache against a real nginx on 127.0.0.1: fetched bytes equal the files, the folder
// stays under maxBytes across an epoch of many shards, a changed shard is fetched again, faults
// (503s, cut bodies, wrong lengths, stalls, kill -9) are survived or reported with RemoteError,
// and no partial shard is ever visible under a shard's name.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteError, ShardCache } from '../src/index.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { startNginx, type Nginx } from './helpers/nginx.js';

const SHARD = 96 * 1024;
const COUNT = 16;
let tmp: string;
let www: string;
let nginx: Nginx;
let proxy: FaultProxy;
const names = Array.from({ length: COUNT }, (_, i) => `shard-${String(i).padStart(4, '0')}.bin`);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-remote-'));
  www = join(tmp, 'www');
  mkdirSync(join(www, 'data'), { recursive: true });
  names.forEach((n, i) => writeFileSync(join(www, 'data', n), randomBytes(SHARD + i * 1000)));
  writeFileSync(join(www, 'data', 'big.bin'), randomBytes(2 * 1024 * 1024));
  nginx = await startNginx(www);
  proxy = await startFaultProxy(nginx.url);
});
afterAll(async () => {
  await proxy?.close();
  await nginx?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const cacheDir = () => join(tmp, `cache-${n++}`);
const url = (name: string, base = nginx.url) => `${base}/data/${name}`;
const local = (name: string) => readFileSync(join(www, 'data', name));
const gets = async (uri: string, agent?: string) => (await nginx.settledLog()).filter((l) => l.method === 'GET' && l.uri === uri && (agent === undefined || l.agent === agent));
/** The bytes of shards, parts and leases in the folder now (hard links once), read in one synchronous pass. */
const diskBytes = (dir: string): number => {
  const inodes = new Map<number, number>();
  for (const f of readdirSync(dir)) {
    if (!/\.(shard|part-|lease-)/.test(f) || f.endsWith('.json')) continue;
    const st = statSync(join(dir, f), { throwIfNoEntry: false });
    if (st) inodes.set(st.ino, st.size);
  }
  return [...inodes.values()].reduce((a, b) => a + b, 0);
};
/** Files a reader could take for a shard: complete ones only, never parts. */
const visible = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.shard'));

describe('ShardCache over HTTP (nginx)', () => {
  it('fetches a shard whole: bytes equal the file, identity recorded, a second acquire reads the cache', async () => {
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 8 << 20, headers: { 'user-agent': 'first' } });
    const lease = await cache.acquire(url(names[0]!));
    expect(readFileSync(lease.path).equals(local(names[0]!))).toBe(true);
    const sidecar = JSON.parse(readFileSync(join(cache.dir, visible(cache.dir)[0]! + '.json'), 'utf8'));
    expect(sidecar).toMatchObject({ url: url(names[0]!), size: SHARD });
    expect(sidecar.etag).toMatch(/^"/);
    lease.release();
    const again = await cache.acquire(url(names[0]!));
    expect(readFileSync(again.path).equals(local(names[0]!))).toBe(true);
    again.release();
    expect(await gets(`/data/${names[0]}`, 'first')).toHaveLength(1);
    // A new cache over the same folder (a new process) revalidates with HEAD, does not GET again.
    const reopened = new ShardCache({ dir: cache.dir, maxBytes: 8 << 20, headers: { 'user-agent': 'first' } });
    (await reopened.acquire(url(names[0]!))).release();
    expect(await gets(`/data/${names[0]}`, 'first')).toHaveLength(1);
    expect((await nginx.settledLog()).filter((l) => l.method === 'HEAD' && l.agent === 'first').length).toBeGreaterThanOrEqual(2);
  });

  it('a shard changed on the server is fetched again', async () => {
    const name = 'changing.bin';
    writeFileSync(join(www, 'data', name), randomBytes(50_000));
    const dir = cacheDir();
    const first = new ShardCache({ dir, maxBytes: 8 << 20 });
    (await first.acquire(url(name))).release();
    await new Promise((r) => setTimeout(r, 1100));  // nginx's ETag holds mtime in seconds
    writeFileSync(join(www, 'data', name), randomBytes(50_000));
    const second = new ShardCache({ dir, maxBytes: 8 << 20 });
    const lease = await second.acquire(url(name));
    expect(readFileSync(lease.path).equals(local(name))).toBe(true);
    lease.release();
  });

  it('stays under maxBytes across an epoch of many shards, with prefetch, evicting least recently used', async () => {
    const maxBytes = 4 * (SHARD + COUNT * 1000);
    const cache = new ShardCache({ dir: cacheDir(), maxBytes, concurrency: 2 });
    let peak = 0;
    for (let i = 0; i < COUNT; i++) {
      cache.prefetch(names.slice(i + 1, i + 3).map((x) => url(x)));
      const lease = await cache.acquire(url(names[i]!));
      expect(readFileSync(lease.path).equals(local(names[i]!))).toBe(true);
      peak = Math.max(peak, diskBytes(cache.dir));
      lease.release();
    }
    await cache.settle();
    peak = Math.max(peak, diskBytes(cache.dir));
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(peak).toBeGreaterThan(2 * SHARD);  // prefetch did hold shards ahead
    const left = (await cache.usage()).shards;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(4);
  });

  it('stays under maxBytes with four downloads at once finishing while others decide what to evict', async () => {
    // Each eviction decision lists the folder and stats what it lists; a download that finishes
    // in between must still be counted (it once was not, and a fifth shard got in).
    const maxBytes = 4 * (SHARD + COUNT * 1000);
    const dir = cacheDir();
    // Empty files the scans must stat too: each scan then takes long enough for downloads to
    // finish during it, as they do in a folder of many shards on a slow disk.
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < 1000; i++) writeFileSync(join(dir, `other-${i}.x`), '');
    const cache = new ShardCache({ dir, maxBytes, concurrency: 4 });
    let peak = 0;
    // Measured without awaiting between listing and stats (usage() awaits each stat, so a file
    // counted early can be evicted and replaced before the last one is counted).
    const timer = setInterval(() => (peak = Math.max(peak, diskBytes(dir))), 2);
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let i = 0; i < COUNT; i++) {
        cache.prefetch(names.slice(i + 1, i + 4).map((x) => url(x)));
        const lease = await cache.acquire(url(names[i]!));
        expect(lease.size).toBe(SHARD + i * 1000);
        peak = Math.max(peak, diskBytes(dir));
        lease.release();
      }
    }
    await cache.settle();
    clearInterval(timer);
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(peak).toBeGreaterThan(2 * SHARD);
  });

  it('a shard bigger than the whole cache is a clear error, and invalid options are refused', async () => {
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 1 << 20 });
    await expect(cache.acquire(url('big.bin'))).rejects.toMatchObject({ name: 'RemoteError', code: 'ERR_REMOTE_TOO_BIG', url: url('big.bin') });
    expect(visible(cache.dir)).toEqual([]);
    expect(() => new ShardCache({ dir: cacheDir(), maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => new ShardCache({ dir: cacheDir(), maxBytes: 1, concurrency: 0 })).toThrow(/concurrency/);
  });

  it('a server that refuses HEAD (a URL presigned for GET) is probed with a one-byte range instead', async () => {
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 8 << 20 });
    const lease = await cache.acquire(`${nginx.url}/nohead/data/${names[9]}`);
    expect(readFileSync(lease.path).equals(local(names[9]!))).toBe(true);
    lease.release();
    expect((await nginx.settledLog()).filter((l) => l.uri === `/nohead/data/${names[9]}`).map((l) => `${l.method} ${l.status} ${l.range}`)).toEqual(['HEAD 405 ', 'GET 206 bytes=0-0', 'GET 200 ']);
  });

  it('a missing shard is ERR_REMOTE_STATUS 404 at once (not retried)', async () => {
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 1 << 20, retry: { baseDelayMs: 1 } });
    const err = await cache.acquire(url('nope.bin')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: 'ERR_REMOTE_STATUS', status: 404, attempts: 1 });
  });
});

describe('faults', () => {
  it('503 twice then success is survived; a server that always answers 503 gives RemoteError with the attempt count', async () => {
    proxy.inject(`/data/${names[1]}`, ['503', '503']);
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 8 << 20, retry: { baseDelayMs: 5 } });
    const lease = await cache.acquire(url(names[1]!, proxy.url));
    expect(readFileSync(lease.path).equals(local(names[1]!))).toBe(true);
    lease.release();
    const down = `${nginx.url}/down/x.bin`;
    const err = await cache.acquire(down).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteError);
    expect(err).toMatchObject({ code: 'ERR_REMOTE_STATUS', status: 503, attempts: 5, url: down });
    expect((err as Error).message).toMatch(/HTTP 503.*5 attempts/);
    expect((await nginx.settledLog()).filter((l) => l.uri === '/down/x.bin').length).toBe(5);
  });

  it('a body cut halfway is resumed with a Range request and the shard is whole', async () => {
    const name = names[2]!;
    proxy.inject(`/data/${name}`, ['cut']);
    const before = (await gets(`/data/${name}`)).length;
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 8 << 20, retry: { baseDelayMs: 5 } });
    const lease = await cache.acquire(url(name, proxy.url));
    expect(readFileSync(lease.path).equals(local(name))).toBe(true);
    lease.release();
    const after = (await gets(`/data/${name}`)).slice(before);
    expect(after.at(-1)!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(after.at(-1)!.status).toBe(206);
  });

  it('a wrong Content-Length never becomes a shard: retried, and reported when it persists', async () => {
    const name = names[3]!;
    proxy.inject(`/data/${name}`, ['short']);
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 8 << 20, retry: { baseDelayMs: 5 } });
    const lease = await cache.acquire(url(name, proxy.url));
    expect(readFileSync(lease.path).equals(local(name))).toBe(true);
    lease.release();
    proxy.inject(`/data/${names[4]}`, ['short', 'short', 'short']);
    const strict = new ShardCache({ dir: cacheDir(), maxBytes: 8 << 20, retry: { baseDelayMs: 5, attempts: 3 } });
    await expect(strict.acquire(url(names[4]!, proxy.url))).rejects.toMatchObject({ code: 'ERR_REMOTE_LENGTH', attempts: 3 });
    expect(visible(strict.dir)).toEqual([]);
  });

  it('a stalled body times out (ERR_REMOTE_TIMEOUT) and leaves no shard; the next run resumes it', async () => {
    const name = names[5]!;
    const dir = cacheDir();
    const stalled = new ShardCache({ dir, maxBytes: 8 << 20, idleTimeoutMs: 400, retry: { attempts: 2, baseDelayMs: 5 }, headers: { 'x-rate': '1', 'x-rate-after': '16k', 'user-agent': 'stall' } });
    await expect(stalled.acquire(url(name))).rejects.toMatchObject({ code: 'ERR_REMOTE_TIMEOUT', attempts: 2 });
    expect(visible(dir)).toEqual([]);
    expect(readdirSync(dir).some((f) => f.includes('.part-'))).toBe(true);
    const cache = new ShardCache({ dir, maxBytes: 8 << 20, headers: { 'user-agent': 'resume' } });
    const lease = await cache.acquire(url(name));
    expect(readFileSync(lease.path).equals(local(name))).toBe(true);
    lease.release();
    expect((await gets(`/data/${name}`, 'resume'))[0]!.range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readdirSync(dir).filter((f) => f.includes('.part-'))).toEqual([]);
  });

  it('kill -9 during a download leaves no visible shard; the next run resumes and gets the right bytes', async () => {
    const name = 'big.bin';
    const dir = cacheDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers', 'remote-fetch-child.ts'), dir, url(name), '200k'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /bytes (\d+)/.exec(d.toString());
        if (m && Number(m[1]) > 300_000) resolve();
      });
      child.on('exit', () => reject(new Error('the child ended before it was killed')));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(visible(dir)).toEqual([]);
    const part = readdirSync(dir).find((f) => f.includes('.part-') && !f.endsWith('.json'))!;
    expect(statSync(join(dir, part)).size).toBeGreaterThan(300_000);
    expect(existsSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.lock'))!))).toBe(true);  // a dead owner's lock is taken over
    const cache = new ShardCache({ dir, maxBytes: 8 << 20, headers: { 'user-agent': 'after-kill' } });
    const lease = await cache.acquire(url(name));
    expect(readFileSync(lease.path).equals(local(name))).toBe(true);
    lease.release();
    expect((await gets(`/data/${name}`, 'after-kill'))[0]!.range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('two processes sharing one cache folder fetch each shard once and both read whole shards', async () => {
    const dir = cacheDir();
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers', 'remote-fetch-child.ts'), dir, url(names[6]!), '400k'], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
      });
    const before = (await gets(`/data/${names[6]}`, 'child')).length;
    const outs = await Promise.all([run(), run()]);
    for (const o of outs) expect(o).toMatch(/done /);
    expect((await gets(`/data/${names[6]}`, 'child')).length - before).toBe(1);
    const cache = new ShardCache({ dir, maxBytes: 8 << 20, revalidate: 'never' });
    const lease = await cache.acquire(url(names[6]!));
    expect(readFileSync(lease.path).equals(local(names[6]!))).toBe(true);
    lease.release();
  });
});

describe('S3 client path (path-style GetObject/HeadObject against the same nginx)', () => {
  it('s3://bucket/key through @aws-sdk/client-s3 with a static credential and forcePathStyle equals the file', async () => {
    const s3 = { endpoint: nginx.url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' } };
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 8 << 20, s3 });
    const before = (await nginx.settledLog()).length;
    const lease = await cache.acquire(`s3://data/${names[7]}`);
    expect(readFileSync(lease.path).equals(local(names[7]!))).toBe(true);
    lease.release();
    const reqs = (await nginx.settledLog()).slice(before);
    expect(reqs.map((r) => `${r.method} ${r.uri} ${r.status}`)).toEqual([`HEAD /data/${names[7]} 200`, `GET /data/${names[7]} 200`]);
    expect(reqs[0]!.agent).toMatch(/aws-sdk-js/);
    // Resume: a part left by a cut is continued with Range + If-Match.
    const dir = cacheDir();
    proxy.inject(`/data/${names[8]}`, ['cut']);
    const viaProxy = new ShardCache({ dir, maxBytes: 8 << 20, s3: { ...s3, endpoint: proxy.url }, retry: { baseDelayMs: 5 } });
    const resumed = await viaProxy.acquire(`s3://data/${names[8]}`);
    expect(readFileSync(resumed.path).equals(local(names[8]!))).toBe(true);
    resumed.release();
    expect((await gets(`/data/${names[8]}`)).at(-1)).toMatchObject({ status: 206 });
    const missing = await cache.acquire('s3://data/none.bin').catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: 'RemoteError', code: 'ERR_REMOTE_STATUS', status: 404 });
  });
});
