// The shard-aware distributed order: with 2 and 4 ranks the union of the ranks' samples is the
// epoch, batches per rank are equal, each rank reads about its share of the shards and holds
// a window of them at a time; resuming 4 -> 2 and 2 -> 3 from the loaders' states covers the
// rest of the epoch exactly once; fewer shards than ranks; the same order for any thread count.
import { describe, expect, it } from 'vitest';
import { DataLoader, ShardOrderSampler, type ShardOrderState } from '../src/index.js';

// Uneven shards, as real shard writers leave them (the last one short).
const COUNTS = [50, 50, 47, 50, 50, 50, 49, 50, 50, 50, 50, 13];
const N = COUNTS.reduce((a, b) => a + b, 0);
const shardOf = (() => {
  const out: number[] = [];
  COUNTS.forEach((c, s) => out.push(...Array(c).fill(s)));
  return out;
})();

// A JS dataset whose items are their own indices: the loader's batches then say which samples came.
const dataset = { length: N, get: (i: number) => i };

async function run(sampler: ShardOrderSampler, batchSize: number, epoch: number, stopAfter = Infinity) {
  const loader = new DataLoader<number[]>(dataset, { sampler, batchSize, epoch, collate: (items) => items });
  const seen: number[] = [];
  let batches = 0;
  for await (const batch of loader) {
    seen.push(...batch.data);
    if (++batches === stopAfter) break;
  }
  const state = sampler.state(loader);
  loader.close();
  return { seen, batches, state };
}

describe('ShardOrderSampler', () => {
  it.each([2, 4])('%i ranks: the union is the epoch, equal batches, about 1/W of the shards each', async (world) => {
    const ranks = await Promise.all(
      Array.from({ length: world }, (_, rank) => run(new ShardOrderSampler(COUNTS, { rank, worldSize: world, seed: 7 }), 16, 0)),
    );
    expect(new Set(ranks.map((r) => r.batches)).size).toBe(1);
    const all = ranks.flatMap((r) => r.seen);
    const plan = new ShardOrderSampler(COUNTS, { worldSize: world, seed: 7 }).plan(0);
    expect(all.length).toBe(N + plan.padding);
    expect(new Set(all).size).toBe(N);
    for (const r of ranks) {
      const shards = new Set(r.seen.map((i) => shardOf[i]));
      expect(shards.size).toBeLessThanOrEqual(COUNTS.length / world + 2);
    }
  });

  it('a rank holds at most windowShards + 1 shards at a time, and epochs differ', () => {
    const s = new ShardOrderSampler(COUNTS, { rank: 0, worldSize: 2, seed: 1, windowShards: 2 });
    const order = s.indices(0);
    // Sliding over the rank's order: once a shard's last sample has passed, it is never read again.
    const last = new Map<number, number>();
    order.forEach((idx, k) => last.set(shardOf[idx]!, k));
    let maxOpen = 0;
    const open = new Set<number>();
    order.forEach((idx, k) => {
      open.add(shardOf[idx]!);
      maxOpen = Math.max(maxOpen, open.size);
      for (const sh of [...open]) if (last.get(sh) === k) open.delete(sh);
    });
    expect(maxOpen).toBeLessThanOrEqual(3);
    expect(Array.from(s.indices(1))).not.toEqual(Array.from(order));
    expect(Array.from(s.indices(0))).toEqual(Array.from(order));
  });

  it.each([
    [4, 2, 3],
    [2, 3, 5],
  ])('resume %i -> %i ranks after %i batches covers the rest of the epoch exactly once', async (from, to, k) => {
    const batchSize = 8;
    const first = await Promise.all(
      Array.from({ length: from }, (_, rank) => run(new ShardOrderSampler(COUNTS, { rank, worldSize: from, seed: 11 }), batchSize, 0, k)),
    );
    const states = first.map((r) => r.state);
    expect(new Set(states.map((s) => JSON.stringify(s))).size).toBe(1);
    const state: ShardOrderState = JSON.parse(JSON.stringify(states[0]));
    expect(state).toEqual({ epoch: 0, samples: k * batchSize * from, seed: 11, streams: from });
    const consumed = first.flatMap((r) => r.seen);
    // The consumed samples are a prefix of the global order, which does not depend on the world size.
    const global = new ShardOrderSampler(COUNTS, { worldSize: to, resume: state }).globalOrder(0);
    expect(new Set(consumed)).toEqual(new Set(global.subarray(0, state.samples)));

    const rest = await Promise.all(
      Array.from({ length: to }, (_, rank) => run(new ShardOrderSampler(COUNTS, { rank, worldSize: to, resume: state }), batchSize, state.epoch)),
    );
    expect(new Set(rest.map((r) => r.batches)).size).toBe(1);
    const plan = new ShardOrderSampler(COUNTS, { worldSize: to, resume: state }).plan(0);
    const resumed = rest.flatMap((r) => r.seen);
    expect(resumed.length).toBe(N - state.samples + plan.padding);
    // Every sample exactly once over both runs; the padding repeats only samples of the epoch's start.
    const counts = new Map<number, number>();
    for (const i of [...consumed, ...resumed]) counts.set(i, (counts.get(i) ?? 0) + 1);
    expect(counts.size).toBe(N);
    const repeats = [...counts].filter(([, c]) => c > 1);
    expect(repeats.reduce((a, [, c]) => a + c - 1, 0)).toBe(plan.padding);
    for (const [i] of repeats) expect(Array.from(global.subarray(0, plan.padding))).toContain(i);
    // The next epoch starts from its beginning on the resumed ranks.
    const next = new ShardOrderSampler(COUNTS, { rank: 0, worldSize: to, resume: state }).plan(1);
    expect(next.offset).toBe(0);
  });

  it('fewer shards than ranks: every rank gets the same count; dropLast drops instead of padding', () => {
    const counts = [5, 4];
    for (const dropLast of [false, true]) {
      const per = Array.from({ length: 4 }, (_, rank) => new ShardOrderSampler(counts, { rank, worldSize: 4, dropLast }).indices(0));
      expect(new Set(per.map((p) => p.length)).size).toBe(1);
      const all = per.flatMap((p) => Array.from(p));
      if (dropLast) {
        expect(all.length).toBe(8);
        expect(new Set(all).size).toBe(8);
      } else {
        expect(all.length).toBe(12);
        expect(new Set(all).size).toBe(9);
      }
    }
    expect(new ShardOrderSampler([0, 0], { worldSize: 3, rank: 2 }).indices(0).length).toBe(0);
  });

  it('is a pure function of (seed, epoch, counts, streams): the same for any thread count and run', async () => {
    const a = new ShardOrderSampler(COUNTS, { rank: 1, worldSize: 2, seed: 5 }).indices(3);
    const b = new ShardOrderSampler(COUNTS, { rank: 1, worldSize: 2, seed: 5 }).indices(3);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(new ShardOrderSampler(COUNTS, { rank: 1, worldSize: 2, seed: 6 }).indices(3))).not.toEqual(Array.from(a));
    const t1 = await run(new ShardOrderSampler(COUNTS, { rank: 1, worldSize: 2, seed: 5 }), 10, 3);
    expect(t1.seen).toEqual(Array.from(a));
  });

  it('reads RANK and WORLD_SIZE, refuses bad options and states of another order', () => {
    process.env.RANK = '1';
    process.env.WORLD_SIZE = '3';
    try {
      const s = new ShardOrderSampler(COUNTS);
      expect([s.rank, s.worldSize, s.streams]).toEqual([1, 3, 3]);
    } finally {
      delete process.env.RANK;
      delete process.env.WORLD_SIZE;
    }
    expect(() => new ShardOrderSampler(COUNTS, { rank: 2, worldSize: 2 })).toThrow(RangeError);
    expect(() => new ShardOrderSampler(COUNTS, { windowShards: 0 })).toThrow(RangeError);
    const state = { epoch: 0, samples: 10, seed: 1, streams: 4 };
    expect(() => new ShardOrderSampler(COUNTS, { resume: state, streams: 2 })).toThrow(/streams/);
    expect(() => new ShardOrderSampler(COUNTS, { resume: state, seed: 2 })).toThrow(/seed/);
    expect(() => new ShardOrderSampler(COUNTS, { resume: { ...state, samples: N + 1 } })).toThrow(RangeError);
  });
});
