// WebDataset tar shards over HTTP (nginx) and S3 path-style URLs: WebDataset.open(urls, { cache })
// fetches the shards into the cache and indexes them natively, reading exactly what the local
// shards read; counts from a wids index (`tensorloader index`) are checked; without counts the
// set streams shard by shard under maxBytes; 503s and cut bodies are survived, stalls and
// missing shards are RemoteErrors, and kill -9 mid-download leaves no visible shard.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, RemoteWebDataset, ShardCache, WebDataset, type AnyWebDataset } from '../src/index.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { havePhotos, photos } from './helpers/images.js';
import { plainEnv, startNginx, type Nginx } from './helpers/nginx.js';

const SAMPLES = 48;
const PER_SHARD = 4;
const SHARDS = SAMPLES / PER_SHARD;
const image = { size: [40, 32] as [number, number], fit: 'cover' as const };
const fields = { image: 'jpg;png', label: 'cls', vec: 'npy' };
let tmp = '';
let www = '';
let nginx: Nginx;
let proxy: FaultProxy;
let local: AnyWebDataset;
const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
const last = String(SHARDS - 1).padStart(6, '0');
const pattern = (base = nginx.url) => `${base}/wds/py-{000000..${last}}.tar`;
const shardName = (i: number) => `py-${String(i).padStart(6, '0')}.tar`;
let n = 0;
const cacheDir = () => join(tmp, `cache-${n++}`);
const shardBytes = () => Math.max(...local.shards.map((s) => s.bytes));
const visible = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.shard'));

function expectSame(remote: AnyWebDataset, oneShard = false): void {
  expect(remote.length).toBe(SAMPLES);
  expect(remote.shards.map((s) => s.samples)).toEqual(oneShard ? [SAMPLES] : local.shards.map((s) => s.samples));
  for (let i = 0; i < SAMPLES; i++) {
    const a = remote.get(i);
    const b = local.get(i);
    expect(remote.key(i)).toBe(local.key(i));
    for (const f of ['image', 'label', 'vec']) expect(Buffer.from(a[f]!.buffer).equals(Buffer.from(b[f]!.buffer))).toBe(true);
  }
  expect(remote.meta(7).json).toEqual(local.meta(7).json);
}

describe.skipIf(!havePhotos)('WebDataset over URLs', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tl-remote-wds-'));
    www = join(tmp, 'www');
    mkdirSync(join(www, 'wds'), { recursive: true });
    execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'helpers', 'make-webdataset.py'), photos, join(www, 'wds'), String(SAMPLES), String(PER_SHARD), '64'], { env: plainEnv() });
    local = new WebDataset(join(www, 'wds', `py-{000000..${last}}.tar`), { image, fields });
    nginx = await startNginx(www);
    proxy = await startFaultProxy(nginx.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await nginx?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('WebDataset.open over a brace pattern of URLs: every sample equals the local shards; the constructor points to open()', async () => {
    expect(() => new WebDataset(pattern(), { image, fields })).toThrow(/WebDataset\.open/);
    await expect(WebDataset.open(pattern(), { image, fields })).rejects.toThrow(/need a cache/);
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: SHARDS * shardBytes() + 4096, headers: { 'user-agent': 'wds-open' } });
    const remote = await WebDataset.open(pattern(), { image, fields, cache });
    expectSame(remote);
    expect(remote.meta(5).__url__).toBe(`${nginx.url}/wds/${shardName(1)}`);  // the URL, not the cached file
    const gets = (await nginx.settledLog()).filter((l) => l.agent === 'wds-open' && l.method === 'GET');
    expect(new Set(gets.map((g) => g.uri)).size).toBe(SHARDS);
    expect(gets).toHaveLength(SHARDS);
    // A list of URLs, as WebDataset takes them, and the loader over the fetched set.
    const two = await WebDataset.open([`${nginx.url}/wds/${shardName(3)}`, `${nginx.url}/wds/${shardName(1)}`], { image, fields, cache });
    expect(two.length).toBe(2 * PER_SHARD);
    expect(Buffer.from(two.get(0).image!.buffer).equals(Buffer.from(local.get(3 * PER_SHARD).image!.buffer))).toBe(true);
    const labels: number[] = [];
    for await (const batch of new DataLoader(remote, { batchSize: 10, shuffle: true, seed: 2, threads: 2 })) {
      using b = batch;
      expect(Array.from(b.labels!)).toEqual(Array.from(b.indices, (i) => local.get(i).label![0]!));
      labels.push(...b.indices);
    }
    expect(labels.sort((a, b) => a - b)).toEqual([...Array(SAMPLES).keys()]);
  });

  it('s3://bucket/key through the AWS SDK (path-style against the same nginx) equals the local shards', async () => {
    const s3 = { endpoint: nginx.url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-secret' } };
    const before = (await nginx.settledLog()).length;
    const remote = await WebDataset.open(`s3://wds/py-{000000..${last}}.tar`, { image, fields, cache: { dir: cacheDir(), maxBytes: 1 << 30, s3 } });
    expectSame(remote);
    const reqs = (await nginx.settledLog()).slice(before).filter((r) => r.method === 'GET');
    expect(reqs).toHaveLength(SHARDS);
    expect(reqs.every((r) => /aws-sdk-js/.test(r.agent) && r.status === 200)).toBe(true);
  });

  it('counts from a wids index written by `tensorloader index` over the tars: no GET before reading, counts checked against the shards', async () => {
    const out = join(www, 'wds', 'index.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'index', join(www, 'wds', 'py-*.tar'), '--out', out, '--quiet'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const before = (await nginx.settledLog()).length;
    const remote = await RemoteWebDataset.open('', { image, fields, cache: { dir: cacheDir(), maxBytes: 1 << 30 }, index: `${nginx.url}/wds/index.json` });
    expect(remote.length).toBe(SAMPLES);
    expect(remote.shards.map((s) => s.url)).toEqual(Array.from({ length: SHARDS }, (_, i) => `${nginx.url}/wds/${shardName(i)}`));
    expect((await nginx.settledLog()).slice(before).map((l) => l.uri)).toEqual(['/wds/index.json']);
    expectSame(await remote.mapped());
    // An index that lies about a count is refused when the shard is indexed, never read as it says.
    const lying = JSON.parse(readFileSync(out, 'utf8'));
    lying.shardlist[2].nsamples = PER_SHARD + 1;
    writeFileSync(join(www, 'wds', 'lying.json'), JSON.stringify(lying));
    const bad = await RemoteWebDataset.open('', { image, fields, cache: { dir: cacheDir(), maxBytes: 1 << 30 }, index: `${nginx.url}/wds/lying.json` });
    await expect(bad.mapped()).rejects.toMatchObject({ code: 'EFORMAT', message: expect.stringMatching(/py-000002\.tar: the shard index gives 5 samples, the shard holds 4/) });
  });

  it('without counts: iterable only; the stream reads every sample shard by shard and the cache stays under maxBytes', async () => {
    const maxBytes = 3 * shardBytes() + 4096;
    const cache = new ShardCache({ dir: cacheDir(), maxBytes });
    const remote = await RemoteWebDataset.open(pattern(), { image, fields, cache });
    expect(remote.length).toBeUndefined();
    const small = await RemoteWebDataset.open(pattern(), { image, fields, cache: { dir: cacheDir(), maxBytes } });
    await expect(small.mapped()).rejects.toThrow(/maxBytes/);
    expect(() => remote.counted).toThrow(/shard index/);
    const seen: number[] = [];
    let peak = 0;
    for await (const batch of new DataLoader(remote.stream({ prefetch: 2 }), { batchSize: PER_SHARD })) {
      using b = batch;
      const data = b.data as unknown as { image: { data: Float32Array }; vec: { data: Float32Array } };
      const vec = data.vec.data;
      for (let r = 0; r < b.size; r++) {
        const i = vec[r * 4]!;  // the npy vector starts at the sample number
        seen.push(i);
        expect(Buffer.from(data.image.data.slice(r * 3 * 40 * 32, (r + 1) * 3 * 40 * 32).buffer).equals(Buffer.from(local.get(i).image!.buffer))).toBe(true);
      }
      peak = Math.max(peak, (await cache.usage()).bytes);
    }
    await cache.settle();
    expect(seen).toEqual([...Array(SAMPLES).keys()]);
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(peak).toBeGreaterThan(shardBytes());
  });

  it('faults: 503 twice and a cut body are survived (samples equal local); a stall and a missing shard are RemoteErrors and leave no shard', async () => {
    proxy.inject(`/wds/${shardName(0)}`, ['503', '503']);
    proxy.inject(`/wds/${shardName(5)}`, ['cut']);
    const dir = cacheDir();
    const remote = await WebDataset.open(pattern(proxy.url), { image, fields, cache: { dir, maxBytes: 1 << 30, retry: { baseDelayMs: 5 } } });
    expectSame(remote);
    expect((await nginx.settledLog()).filter((l) => l.uri === `/wds/${shardName(5)}` && l.status === 206).at(-1)!.range).toMatch(/^bytes=[1-9]\d*-$/);
    const stallDir = cacheDir();
    const stalled = WebDataset.open(pattern(), {
      image,
      fields,
      cache: { dir: stallDir, maxBytes: 1 << 30, idleTimeoutMs: 300, retry: { attempts: 2, baseDelayMs: 5 }, headers: { 'x-rate': '1', 'x-rate-after': '8k' } },
    });
    await expect(stalled).rejects.toMatchObject({ name: 'RemoteError', code: 'ERR_REMOTE_TIMEOUT', attempts: 2 });
    expect(visible(stallDir)).toEqual([]);
    const missing = WebDataset.open([`${nginx.url}/wds/${shardName(0)}`, `${nginx.url}/wds/none.tar`], { image, fields, cache: { dir: cacheDir(), maxBytes: 1 << 30 } });
    await expect(missing).rejects.toMatchObject({ name: 'RemoteError', code: 'ERR_REMOTE_STATUS', status: 404, url: `${nginx.url}/wds/none.tar` });
  });

  it('kill -9 during a tar download leaves no visible shard; WebDataset.open over the same cache resumes it and reads the right samples', async () => {
    const name = 'gnutar-gnu.tar';
    const size = statSync(join(www, 'wds', name)).size;
    const dir = cacheDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'helpers', 'remote-fetch-child.ts'), dir, `${nginx.url}/wds/${name}`, '100k'], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const m = /bytes (\d+)/.exec(d.toString());
        if (m && Number(m[1]) > size / 4) resolve();
      });
      child.on('exit', () => reject(new Error('the child ended before it was killed')));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(visible(dir)).toEqual([]);
    expect(readdirSync(dir).some((f) => f.includes('.part-'))).toBe(true);
    const remote = await WebDataset.open(`${nginx.url}/wds/${name}`, { image, fields, cache: { dir, maxBytes: 1 << 30, headers: { 'user-agent': 'wds-after-kill' } } });
    expectSame(remote, true);
    expect((await nginx.settledLog()).filter((l) => l.agent === 'wds-after-kill' && l.method === 'GET')[0]!.range).toMatch(/^bytes=[1-9]\d*-$/);
  });
});
