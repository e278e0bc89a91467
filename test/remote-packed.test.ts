// Packed shards over HTTP (nginx): PackedDataset.open(urls, { cache }) maps the fetched set and
// reads exactly what the local set reads; counts come from one header Range GET per shard or a
// wids index written by `tensorloader index`; a set bigger than the cache streams shard by shard
// under maxBytes; two and four ranks each fetch their share of the shards and together read the
// epoch once.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, PackedDataset, RemotePackedDataset, ShardCache, pack } from '../src/index.js';
import { countTarSamples } from '../src/remote/tar-count.js';
import { plainEnv, startNginx, type Nginx } from './helpers/nginx.js';

const ITEMS = 400;
const PER_SHARD = 50;
const SHARDS = ITEMS / PER_SHARD;
let tmp: string;
let www: string;
let nginx: Nginx;
let local: PackedDataset;
let paths: string[];
const pattern = () => `${nginx.url}/set/train-{00000..0000${SHARDS - 1}}-of-0000${SHARDS}.tlpack`;
const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-remote-packed-'));
  www = join(tmp, 'www');
  mkdirSync(join(www, 'set'), { recursive: true });
  const items = Array.from({ length: ITEMS }, (_, i) => ({ x: Float32Array.from({ length: 1024 }, (_, k) => Math.sin(i * 1024 + k)), label: i }));
  const r = await pack({ length: ITEMS, get: (i: number) => items[i]! }, join(www, 'set', 'train.tlpack'), { shardSize: PER_SHARD });
  paths = r.paths;
  local = new PackedDataset(paths);
  nginx = await startNginx(www);
});
afterAll(async () => {
  await nginx?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

let n = 0;
const cacheDir = () => join(tmp, `cache-${n++}`);
const shardBytes = () => local.shards[0]!.bytes;
const label = (item: Record<string, ArrayLike<number>>) => Number(item.label![0]);

describe('remote packed shards', () => {
  it('PackedDataset.open over a brace pattern of URLs maps the fetched set: every item equals the local set, counts from header Range GETs', async () => {
    expect(() => new PackedDataset(`${nginx.url}/set/train-00000-of-00008.tlpack`)).toThrow(/PackedDataset.open/);
    const before = (await nginx.settledLog()).length;
    const remote = await PackedDataset.open(pattern(), { cache: { dir: cacheDir(), maxBytes: SHARDS * shardBytes() + 4096 } });
    const probes = (await nginx.settledLog()).slice(before).filter((l) => l.range === 'bytes=0-127');
    expect(probes).toHaveLength(SHARDS);
    expect(probes.every((l) => l.status === 206 && l.bytes === 128)).toBe(true);
    expect(remote.length).toBe(ITEMS);
    for (let i = 0; i < ITEMS; i++) {
      const a = remote.get(i);
      const b = local.get(i);
      expect(Buffer.from(a.x!.buffer).equals(Buffer.from(b.x!.buffer))).toBe(true);
      expect(a.label![0]).toBe(b.label![0]);
    }
    const seen: number[] = [];
    for await (const batch of new DataLoader(remote, { batchSize: 32, shuffle: true, seed: 5 })) {
      using b = batch;
      seen.push(...Array.from(b.fields.label!.data as Int32Array));
    }
    const ref: number[] = [];
    for await (const batch of new DataLoader(local, { batchSize: 32, shuffle: true, seed: 5 })) {
      using b = batch;
      ref.push(...Array.from(b.fields.label!.data as Int32Array));
    }
    expect(seen).toEqual(ref);
  });

  it('a set bigger than the cache: mapped() refuses with a clear error, stream() reads every item in order and stays under maxBytes', async () => {
    const maxBytes = 3 * shardBytes() + 4096;
    const cache = new ShardCache({ dir: cacheDir(), maxBytes });
    const remote = await RemotePackedDataset.open(pattern(), { cache });
    await expect(remote.mapped()).rejects.toThrow(/maxBytes|more than the whole cache/);
    const labels: number[] = [];
    let peak = 0;
    for await (const item of remote.stream({ prefetch: 2 }).source(0) as AsyncIterable<Record<string, Float32Array>>) {
      labels.push(label(item));
      if (labels.length % PER_SHARD === 1) peak = Math.max(peak, (await cache.usage()).bytes);
    }
    await cache.settle();
    expect(labels).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(peak).toBeGreaterThan(shardBytes());
  });

  it('batches(): native batches shard by shard, each rank its shards, the union is the epoch, same order on a rerun', async () => {
    const cache = new ShardCache({ dir: cacheDir(), maxBytes: 3 * shardBytes() + 4096 });
    const remote = await RemotePackedDataset.open(pattern(), { cache });
    const run = async (rank: number, worldSize: number) => {
      const labels: number[] = [];
      for await (const batch of remote.batches(3, { rank, worldSize, shuffle: true, seed: 4, loader: { batchSize: 20 } })) {
        using b = batch;
        expect(b.size).toBeLessThanOrEqual(20);
        const x = b.fields.x!.data as Float32Array;
        const l = Array.from(b.fields.label!.data as Int32Array);
        l.forEach((v, j) => expect(x[j * 1024 + 1]).toBe(local.get(v).x![1]));
        labels.push(...l);
      }
      return labels;
    };
    const r0 = await run(0, 2);
    const r1 = await run(1, 2);
    expect(r0.length).toBe(ITEMS / 2);
    expect([...r0, ...r1].sort((a, b) => a - b)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    expect(await run(0, 2)).toEqual(r0);
    expect(r0).not.toEqual([...r0].sort((a, b) => a - b));
    expect((await cache.usage()).bytes).toBeLessThanOrEqual(cache.maxBytes);
  });

  it('counts none: length unknown, the stream still reads the set; the DataLoader batches it', async () => {
    const remote = await RemotePackedDataset.open(pattern(), { cache: { dir: cacheDir(), maxBytes: 4 * shardBytes() }, counts: 'none' });
    expect(remote.length).toBeUndefined();
    const labels: number[] = [];
    for await (const batch of new DataLoader(remote.stream({ shuffle: true, seed: 1 }), { batchSize: 40 })) {
      using b = batch;
      labels.push(...Array.from((b.data as unknown as { label: { data: ArrayLike<number> } }).label.data as ArrayLike<number>, Number));
    }
    expect(labels.length).toBe(ITEMS);
    expect([...labels].sort((a, b) => a - b)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    expect(labels).not.toEqual(Array.from({ length: ITEMS }, (_, i) => i));
  });

  it('`tensorloader index` writes a wids index (local and remote shards) and the dataset takes its counts from it, with no header GET', async () => {
    const out = join(www, 'set', 'index.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'index', join(www, 'set', 'train-*.tlpack'), '--out', out, '--quiet'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const index = JSON.parse(readFileSync(out, 'utf8'));
    expect(index.__kind__).toBe('wids-shard-index-v1');
    expect(index.shardlist.map((s: { url: string; nsamples: number }) => [s.url, s.nsamples])).toEqual(paths.map((p) => [p.slice(join(www, 'set').length + 1), PER_SHARD]));
    const remoteIndex = spawnSync(process.execPath, ['--import', 'tsx', cli, 'index', pattern(), '--quiet'], { encoding: 'utf8' });
    expect(remoteIndex.status).toBe(0);
    expect(JSON.parse(remoteIndex.stdout).shardlist.map((s: { nsamples: number }) => s.nsamples)).toEqual(Array(SHARDS).fill(PER_SHARD));
    const before = (await nginx.settledLog()).length;
    const remote = await RemotePackedDataset.open('', { cache: { dir: cacheDir(), maxBytes: 1 << 30 }, index: `${nginx.url}/set/index.json` });
    expect(remote.length).toBe(ITEMS);
    expect((await nginx.settledLog()).slice(before).map((l) => l.uri)).toEqual(['/set/index.json']);
    expect(remote.shards[3]!.url).toBe(`${nginx.url}/set/${paths[3]!.split('/').pop()}`);
  });

  for (const worldSize of [2, 4]) {
    it(`${worldSize} ranks: each fetches its share of the shards (nginx access log), together they read the epoch once`, async () => {
      const all: number[] = [];
      for (let rank = 0; rank < worldSize; rank++) {
        const agent = `rank-${worldSize}-${rank}`;
        const cache = new ShardCache({ dir: cacheDir(), maxBytes: 3 * shardBytes() + 4096, headers: { 'user-agent': agent } });
        const remote = await RemotePackedDataset.open(pattern(), { cache });
        for await (const item of remote.stream({ rank, worldSize, shuffle: true, seed: 9 }).source(2) as AsyncIterable<Record<string, Float32Array>>) all.push(label(item));
        await cache.settle();
        const gets = (await nginx.settledLog()).filter((l) => l.agent === agent && l.method === 'GET' && l.range === '');
        expect(gets.map((g) => `${g.uri} ${g.status} ${g.bytes}`)).toHaveLength(SHARDS / worldSize);
        expect(new Set(gets.map((g) => g.uri)).size).toBe(SHARDS / worldSize);
      }
      expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    });
  }
});

describe('hostile remote inputs', () => {
  it('a shard with the right length and wrong bytes is refused on open (EFORMAT), never read', async () => {
    mkdirSync(join(www, 'bad'), { recursive: true });
    const good = readFileSync(paths[0]!);
    const flipped = Buffer.from(good);
    flipped[200] ^= 0xff;  // inside the header: its CRC no longer matches
    writeFileSync(join(www, 'bad', 'one.tlpack'), flipped);
    await expect(PackedDataset.open(`${nginx.url}/bad/one.tlpack`, { cache: { dir: cacheDir(), maxBytes: 1 << 24 } })).rejects.toMatchObject({ name: 'TensorLoaderError', code: 'EFORMAT' });
    writeFileSync(join(www, 'bad', 'not-packed.tlpack'), Buffer.alloc(4096, 7));
    await expect(RemotePackedDataset.open(`${nginx.url}/bad/not-packed.tlpack`, { cache: { dir: cacheDir(), maxBytes: 1 << 24 } })).rejects.toThrow(/not a packed shard/);
  });

  it('bad indexes, patterns and options are clear errors', async () => {
    const cache = { dir: cacheDir(), maxBytes: 1 << 24 };
    writeFileSync(join(www, 'bad', 'index.json'), '{"shardlist": [{"url": "a.tlpack", "nsamples": -1}]}');
    await expect(RemotePackedDataset.open('', { cache, index: `${nginx.url}/bad/index.json` })).rejects.toThrow(/shardlist\[0\] needs/);
    writeFileSync(join(www, 'bad', 'notjson.json'), '{"shardlist": ');
    await expect(RemotePackedDataset.open('', { cache, index: `${nginx.url}/bad/notjson.json` })).rejects.toThrow(/not JSON/);
    await expect(RemotePackedDataset.open('', { cache, index: `${nginx.url}/bad/missing.json` })).rejects.toMatchObject({ name: 'RemoteError', code: 'ERR_REMOTE_STATUS', status: 404 });
    await expect(RemotePackedDataset.open(`${nginx.url}/x-{5..1}.tlpack`, { cache })).rejects.toThrow(/runs backwards/);
    await expect(RemotePackedDataset.open(`${nginx.url}/x-{0..99999999}.tlpack`, { cache })).rejects.toThrow(/more than 1000000/);
    await expect(RemotePackedDataset.open([`${nginx.url}/a.tlpack`, '/tmp/b.tlpack'], { cache })).rejects.toThrow(/mix of remote and local/);
    await expect(PackedDataset.open(`${nginx.url}/a.tlpack`)).rejects.toThrow(/need a cache/);
    const remote = await RemotePackedDataset.open(pattern(), { cache, counts: 'none' });
    expect(() => remote.stream({ rank: 2, worldSize: 2 })).toThrow(/rank must be/);
    expect(() => remote.stream({ prefetch: -1 })).toThrow(/prefetch/);
  });
});

describe('tar sample counting (the WebDataset key rule) for tensorloader index', () => {
  it('counts runs of members sharing a key in tars made by Python tarfile (pax, gnu) and GNU tar, long names included', async () => {
    const dir = join(tmp, 'tars');
    mkdirSync(join(dir, 'm', 'deep'.repeat(30)), { recursive: true });
    const files = ['a.jpg', 'a.cls', 'b.seg.png', 'b.cls', '__meta__.json', 'c.jpg', `${'deep'.repeat(30)}/d.jpg`, `${'deep'.repeat(30)}/d.cls`];
    for (const f of files) writeFileSync(join(dir, 'm', f), 'x'.repeat(700));
    const py = `import tarfile,sys\nfor fmt,name in ((tarfile.PAX_FORMAT,'pax'),(tarfile.GNU_FORMAT,'gnu')):\n  with tarfile.open(sys.argv[1]+'/py-'+name+'.tar','w',format=fmt) as t:\n    for f in sys.argv[2:]: t.add(sys.argv[1]+'/m/'+f, arcname=f)\n`;
    expect(spawnSync('/usr/bin/python3', ['-c', py, dir, ...files], { env: plainEnv() }).status).toBe(0);
    for (const fmt of ['gnu', 'pax']) expect(spawnSync('tar', [`--format=${fmt}`, '-cf', join(dir, `gnutar-${fmt}.tar`), '-C', join(dir, 'm'), ...files], { env: plainEnv() }).status).toBe(0);
    for (const t of ['py-pax', 'py-gnu', 'gnutar-gnu', 'gnutar-pax']) {
      const { samples, members } = await countTarSamples(t, (await import('node:fs')).createReadStream(join(dir, `${t}.tar`)));
      expect([t, samples, members]).toEqual([t, 4, 8]);
    }
    // The CLI over the same tars, local and served by nginx.
    mkdirSync(join(www, 'tars'), { recursive: true });
    writeFileSync(join(www, 'tars', 'py-gnu.tar'), readFileSync(join(dir, 'py-gnu.tar')));
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'index', join(dir, 'gnutar-pax.tar'), `${nginx.url}/tars/py-gnu.tar`, '--quiet'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).shardlist.map((s: { url: string; nsamples: number }) => [s.url.split('/').pop(), s.nsamples])).toEqual([['gnutar-pax.tar', 4], ['py-gnu.tar', 4]]);
    const full = readFileSync(join(dir, 'py-pax.tar'));
    await expect(countTarSamples('cut', [full.subarray(0, 3000)])).rejects.toThrow(/truncated/);
    const bad = Buffer.from(full);
    bad[148] = 0x37;
    await expect(countTarSamples('bad', [bad])).rejects.toThrow(/checksum/);
  });
});
