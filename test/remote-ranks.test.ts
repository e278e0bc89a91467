// Ranks over remote shards in ShardOrderSampler's order (packed and tar shards behind nginx):
// with 2 and 4 ranks each rank's full-shard GETs (the access log, by User-Agent) are its share of
// the shards, the union of the ranks' samples is the epoch and batches per rank are equal;
// a run checkpointed with sampler.state(loader) resumes under another world size with no sample
// repeated or skipped, through loader() (native batches) and through stream() (items).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, pack, PackedDataset, RemotePackedDataset, RemoteWebDataset, ShardCache, ShardOrderSampler, WebDataset, type AnyWebDataset, type RemoteShardSet, type ShardOrderState } from '../src/index.js';
import { havePhotos, photos } from './helpers/images.js';
import { plainEnv, startNginx, type Nginx } from './helpers/nginx.js';

const SHARDS = 12;
const PACKED_PER_SHARD = 20;
const TAR_PER_SHARD = 4;
let tmp = '';
let nginx: Nginx;
let packedLocal: PackedDataset;
let tarLocal: AnyWebDataset | undefined;
const image = { size: [24, 24] as [number, number], fit: 'cover' as const };
let n = 0;
const cacheDir = () => join(tmp, `cache-${n++}`);

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-remote-ranks-'));
  const www = join(tmp, 'www');
  mkdirSync(join(www, 'packed'), { recursive: true });
  const items = PACKED_PER_SHARD * SHARDS;
  const r = await pack({ length: items, get: (i: number) => ({ x: Float32Array.from({ length: 64 }, (_, k) => i * 64 + k), label: i }) }, join(www, 'packed', 'train.tlpack'), { shardSize: PACKED_PER_SHARD });
  expect(r.paths).toHaveLength(SHARDS);
  packedLocal = new PackedDataset(r.paths);
  if (havePhotos) {
    mkdirSync(join(www, 'tar'));
    execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'helpers', 'make-webdataset.py'), photos, join(www, 'tar'), String(TAR_PER_SHARD * SHARDS), String(TAR_PER_SHARD), '32'], { env: plainEnv() });
    tarLocal = new WebDataset(join(www, 'tar', 'py-*.tar'), { image, fields: { image: 'jpg;png', label: 'cls' } });
    execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'cli.ts'), 'index', join(www, 'tar', 'py-*.tar'), '--out', join(www, 'tar', 'index.json'), '--quiet']);
  }
  nginx = await startNginx(www);
});
afterAll(async () => {
  await nginx?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface Kind {
  name: string;
  skip: boolean;
  open(agent: string): Promise<RemoteShardSet & { loader: RemoteShardSet['loader'] }>;
  /** Checks a batch's rows against the local set at the batch's (set-wide) indices. */
  check(batch: { indices: Uint32Array; fields: Record<string, { data: ArrayLike<number> }> }): void;
}

const kinds: Kind[] = [
  {
    name: 'packed shards',
    skip: false,
    open: (agent) => RemotePackedDataset.open(`${nginx.url}/packed/train-{00000..00011}-of-00012.tlpack`, { cache: new ShardCache({ dir: cacheDir(), maxBytes: 1 << 26, headers: { 'user-agent': agent } }) }),
    check: (b) => {
      const x = b.fields.x!.data;
      b.indices.forEach((i, r) => {
        expect(x[r * 64]).toBe(i * 64);
        expect(b.fields.label!.data[r]).toBe(packedLocal.get(i).label![0]);
      });
    },
  },
  {
    name: 'tar shards',
    skip: !havePhotos,
    open: (agent) => RemoteWebDataset.open('', { image, fields: { image: 'jpg;png', label: 'cls' }, index: `${nginx.url}/tar/index.json`, cache: new ShardCache({ dir: cacheDir(), maxBytes: 1 << 26, headers: { 'user-agent': agent } }) }),
    check: (b) => {
      const px = 3 * 24 * 24;
      b.indices.forEach((i, r) => {
        const want = tarLocal!.get(i);
        expect(b.fields.label!.data[r]).toBe(want.label![0]);
        expect(Array.from((b.fields.image!.data as Float32Array).subarray(r * px, (r + 1) * px))).toEqual(Array.from(want.image as Float32Array));
      });
    },
  },
];

async function runRank(kind: Kind, agent: string, sampler: (remote: RemoteShardSet) => ShardOrderSampler, batchSize: number, stopAfter = Infinity) {
  const remote = await kind.open(agent);
  const s = sampler(remote);
  const loader = remote.loader({ sampler: s, batchSize, loader: { threads: 1 } });
  const indices: number[] = [];
  let batches = 0;
  for await (const batch of loader) {
    using b = batch;
    kind.check(b as never);
    indices.push(...b.indices);
    if (++batches === stopAfter) break;
  }
  await remote.cache.settle();
  const gets = (await nginx.settledLog()).filter((l) => l.agent === agent && l.method === 'GET' && l.range === '' && !l.uri.endsWith('.json'));
  return { indices, batches, state: s.state(loader), shardsFetched: new Set(gets.map((g) => g.uri)).size, gets: gets.length, length: remote.length! };
}

for (const kind of kinds) {
  describe.skipIf(kind.skip)(`ranks over remote ${kind.name} (ShardOrderSampler)`, () => {
    it.each([2, 4])('%i ranks: each fetches its share of the shards, the union is the epoch, equal batches', async (world) => {
      const ranks = [];
      for (let rank = 0; rank < world; rank++) {
        ranks.push(await runRank(kind, `${kind.name}-${world}-${rank}`, (remote) => new ShardOrderSampler(remote.sampled, { rank, worldSize: world, seed: 11 }), 5));
      }
      const total = ranks[0]!.length;
      expect(new Set(ranks.map((r) => r.batches)).size).toBe(1);
      expect(ranks[0]!.batches).toBe(Math.ceil(total / world / 5));
      const all = ranks.flatMap((r) => r.indices);
      expect(all.length).toBe(total);
      expect(new Set(all).size).toBe(total);
      for (const r of ranks) {
        // Its own stream of the order: SHARDS / world shards, each fetched once (prefetch included).
        expect(r.shardsFetched).toBe(SHARDS / world);
        expect(r.gets).toBe(SHARDS / world);
      }
    });

    it('a checkpoint of 4 ranks resumes on 2 ranks, and one of 2 ranks on 3: every sample once (and the padding)', async () => {
      for (const [from, to, stop] of [
        [4, 2, 1],
        [2, 3, 2],
      ] as const) {
        const first = [];
        for (let rank = 0; rank < from; rank++) first.push(await runRank(kind, `${kind.name}-resume-${from}-${rank}`, (r) => new ShardOrderSampler(r.sampled, { rank, worldSize: from, seed: 5 }), 4, stop));
        const state: ShardOrderState = first[0]!.state;
        for (const f of first) expect(f.state).toEqual(state);
        expect(state.samples).toBe(stop * 4 * from);
        const rest = [];
        for (let rank = 0; rank < to; rank++) rest.push(await runRank(kind, `${kind.name}-resumed-${to}-${rank}`, (r) => new ShardOrderSampler(r.sampled, { rank, worldSize: to, resume: state }), 4));
        expect(new Set(rest.map((r) => r.batches)).size).toBe(1);
        const total = first[0]!.length;
        const seen = [...first, ...rest].flatMap((r) => r.indices);
        const padding = Math.ceil((total - state.samples) / to) * to - (total - state.samples);
        expect(seen.length).toBe(total + padding);
        expect(new Set(seen).size).toBe(total);
        // The samples before the checkpoint are not read again (padding repeats only the epoch's first ones).
        const before = new Set(first.flatMap((r) => r.indices));
        const again = rest.flatMap((r) => r.indices).filter((i) => before.has(i));
        expect(again.length).toBe(padding);
      }
    });
  });
}

describe('the cache bound under loader()', () => {
  it('a cache of 2 x windowShards shards (what a batch across two windows needs): the folder never exceeds maxBytes, each rank still reads its share once', async () => {
    const shard = packedLocal.shards[0]!.bytes;
    const maxBytes = 4 * shard + 4096;
    const cache = new ShardCache({ dir: cacheDir(), maxBytes, headers: { 'user-agent': 'small-cache' } });
    const remote = await RemotePackedDataset.open(`${nginx.url}/packed/train-{00000..00011}-of-00012.tlpack`, { cache });
    const loader = remote.loader({ sampler: new ShardOrderSampler(remote.sampled, { rank: 1, worldSize: 2, seed: 4, windowShards: 2 }), batchSize: 6, prefetch: 2 });
    let peak = 0;
    const seen: number[] = [];
    for await (const batch of loader) {
      using b = batch;
      seen.push(...b.indices);
      peak = Math.max(peak, (await cache.usage()).bytes);
    }
    await cache.settle();
    expect(seen.length).toBe((PACKED_PER_SHARD * SHARDS) / 2);
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(peak).toBeGreaterThan(shard);
    const gets = (await nginx.settledLog()).filter((l) => l.agent === 'small-cache' && l.method === 'GET' && l.range === '');
    expect(new Set(gets.map((g) => g.uri)).size).toBe(SHARDS / 2);
    expect(gets.length).toBe(SHARDS / 2);
  });
});

describe('bad options', () => {
  it('a sampler made for another set, a bad batch size, a sampler without counts are clear errors', async () => {
    const remote = await kinds[0]!.open('bad-options');
    expect(() => remote.loader({ sampler: new ShardOrderSampler([20, 20]), batchSize: 4 })).toThrow(/not this shard set's/);
    expect(() => remote.loader({ sampler: new ShardOrderSampler(remote.sampled), batchSize: 0 })).toThrow(/batchSize/);
    expect(() => remote.loader({ sampler: new ShardOrderSampler(remote.sampled), batchSize: 4, prefetch: -1 })).toThrow(/prefetch/);
    const unknown = await RemotePackedDataset.open(`${nginx.url}/packed/train-{00000..00011}-of-00012.tlpack`, { cache: { dir: cacheDir(), maxBytes: 1 << 26 }, counts: 'none' });
    expect(() => unknown.sampled).toThrow(/sample counts are unknown/);
    expect(() => unknown.stream({ resume: { epoch: 0, samples: 0, seed: 0, streams: 1 } })).toThrow(/need a shard index/);
  });
});

describe('stream() with counts: the shard-aware order through a DataLoader of items', () => {
  const open = (agent: string) => kinds[0]!.open(agent);
  const labelsOf = (b: { data: unknown }) => Array.from((b.data as { label: { data: Int32Array } }).label.data);

  it('5 ranks over 12 shards: every rank gets the same number of batches (rankShards would give 3, 3, 2, 2, 2 shards)', async () => {
    const counts = [];
    const all: number[] = [];
    for (let rank = 0; rank < 5; rank++) {
      const remote = await open(`stream-5-${rank}`);
      let batches = 0;
      for await (const batch of new DataLoader(remote.stream({ rank, worldSize: 5, shuffle: true, seed: 3 }), { batchSize: 8 })) {
        batches++;
        all.push(...labelsOf(batch));
      }
      counts.push(batches);
    }
    const total = PACKED_PER_SHARD * SHARDS;
    expect(counts).toEqual(Array(5).fill(Math.ceil(Math.ceil(total / 5) / 8)));
    expect(new Set(all).size).toBe(total);
    expect(all.length).toBe(Math.ceil(total / 5) * 5);
  });

  it('mid-epoch resume: 2 ranks stop after 3 batches, 4 ranks resume from sampler.state(loader), every item once', async () => {
    const seen: number[] = [];
    let state: ShardOrderState | undefined;
    for (let rank = 0; rank < 2; rank++) {
      const remote = await open(`stream-resume-2-${rank}`);
      const sampler = new ShardOrderSampler(remote.sampled, { rank, worldSize: 2, seed: 8 });
      const loader = new DataLoader(remote.stream({ sampler }), { batchSize: 8, epoch: 0 });
      let batches = 0;
      for await (const batch of loader) {
        seen.push(...labelsOf(batch));
        if (++batches === 3) break;
      }
      state = sampler.state(loader);
      loader.close();
    }
    expect(state).toEqual({ epoch: 0, samples: 48, seed: 8, streams: 2 });
    for (let rank = 0; rank < 4; rank++) {
      const remote = await open(`stream-resume-4-${rank}`);
      const sampler = new ShardOrderSampler(remote.sampled, { rank, worldSize: 4, resume: state! });
      for await (const batch of new DataLoader(remote.stream({ sampler }), { batchSize: 8, epoch: state!.epoch })) seen.push(...labelsOf(batch));
    }
    const total = PACKED_PER_SHARD * SHARDS;
    expect(seen.length).toBe(total);
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(total).keys()]);
  });
});
