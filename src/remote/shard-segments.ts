// Reading a remote shard set in ShardOrderSampler's order while fetching only the shards this
// rank's order reaches. The rank's order is cut, at batch boundaries, into segments that touch
// at most `maxOpen` shards each; a segment's shards are leased from the cache (the shards of
// the segments after it fetched ahead), opened together as one local native dataset, and read
// in the segment's order, then released. A segment's items keep their set-wide indices through
// `global`, so what comes out is exactly the sampler's order.
import { readFields, type NativeDataset, type BatchArray } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import type { ShardOrderSampler } from '../shard-order.js';
import type { ShardCache, ShardLease } from './cache.js';

/** A remote shard set with known sample counts, and how to open some of its shards locally. */
export interface SampledShards {
  readonly cache: ShardCache;
  /** Shard URLs with their sample counts, in the order the set numbers its samples. */
  readonly counted: ReadonlyArray<{ readonly url: string; readonly samples: number }>;
  /** One native dataset over local copies (`paths`) of some shards (`urls`), their samples numbered shard after shard. */
  openLocal(paths: string[], urls: string[]): NativeDataset<BatchArray>;
}

export interface Segment {
  dataset: NativeDataset<BatchArray>;
  /** The segment's items as indices into `dataset`, in the sampler's order. */
  local: Uint32Array;
  /** Set-wide index of each of `dataset`'s items. */
  global: Uint32Array;
}

interface Plan {
  from: number;
  to: number;
  shards: number[];
}

/** Cuts `order` into runs of whole batches touching at most maxOpen shards (a batch that alone touches more is one run). */
function cut(order: Uint32Array, batchSize: number, shardOf: (i: number) => number, maxOpen: number): Plan[] {
  const plans: Plan[] = [];
  let current: Plan | undefined;
  let open = new Set<number>();
  for (let b = 0; b < order.length; b += batchSize) {
    const end = Math.min(order.length, b + batchSize);
    const batch = new Set<number>();
    for (let k = b; k < end; k++) batch.add(shardOf(order[k]!));
    const union = new Set([...open, ...batch]);
    if (current && union.size <= maxOpen) {
      current.to = end;
      open = union;
    } else {
      if (current) plans.push({ ...current, shards: [...open] });
      current = { from: b, to: end, shards: [] };
      open = batch;
    }
  }
  if (current) plans.push({ ...current, shards: [...open] });
  return plans;
}

export function checkCounts(set: SampledShards, sampler: ShardOrderSampler): void {
  const counts = set.counted.map((s) => s.samples);
  if (counts.length !== sampler.counts.length || counts.some((c, i) => c !== sampler.counts[i])) {
    throw new TensorLoaderError('ERR_INVALID_ARG', "the sampler's sample counts are not this shard set's: make it with new ShardOrderSampler(remote, ...)");
  }
}

/**
 * The segments of one epoch of `sampler` over `set`, in order. Each segment's shards stay leased
 * until the generator moves past it (or is closed); `prefetch` shards beyond are fetched ahead.
 */
export async function* segments(set: SampledShards, sampler: ShardOrderSampler, epoch: number, batchSize: number, prefetch: number): AsyncGenerator<Segment> {
  checkCounts(set, sampler);
  const starts: number[] = [];
  let total = 0;
  for (const s of set.counted) {
    starts.push(total);
    total += s.samples;
  }
  const shardOf = (i: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const order = sampler.indices(epoch);
  const plans = cut(order, batchSize, shardOf, sampler.windowShards + 1);
  // Shards in the order the rank first needs them: what prefetch walks ahead through.
  const firstUse: number[] = [];
  const rankOf = new Map<number, number>();
  for (const p of plans) for (const s of p.shards) if (!rankOf.has(s)) rankOf.set(s, firstUse.push(s));
  const held = new Map<number, ShardLease>();
  try {
    let ahead = 0;
    for (const plan of plans) {
      // Release first: the cache then has the room of the shards left behind for the new ones.
      for (const [s, lease] of held) {
        if (!plan.shards.includes(s)) {
          lease.release();
          held.delete(s);
        }
      }
      for (const s of plan.shards) if (!held.has(s)) held.set(s, await set.cache.acquire(set.counted[s]!.url));
      // Ahead only once this segment is held: a fetch ahead then finds no room rather than
      // taking room a shard of this segment needs (and being evicted for it, fetched twice).
      for (const s of plan.shards) ahead = Math.max(ahead, rankOf.get(s)!);
      set.cache.prefetch(firstUse.slice(ahead, ahead + prefetch).map((s) => set.counted[s]!.url));
      const shards = [...plan.shards].sort((a, b) => a - b);
      const dataset = set.openLocal(
        shards.map((s) => held.get(s)!.path),
        shards.map((s) => set.counted[s]!.url),
      );
      const base = new Map<number, number>();
      let n = 0;
      for (const s of shards) {
        base.set(s, n);
        n += set.counted[s]!.samples;
      }
      if (dataset.length !== n) {
        const urls = shards.map((s) => set.counted[s]!.url).join(', ');
        throw new TensorLoaderError('EFORMAT', `${urls}: the shard index gives ${n} samples, the shards hold ${dataset.length}`);
      }
      const global = new Uint32Array(n);
      for (const s of shards) for (let k = 0; k < set.counted[s]!.samples; k++) global[base.get(s)! + k] = starts[s]! + k;
      const local = new Uint32Array(plan.to - plan.from);
      for (let k = plan.from; k < plan.to; k++) {
        const i = order[k]!;
        const s = shardOf(i);
        local[k - plan.from] = base.get(s)! + (i - starts[s]!);
      }
      yield { dataset, local, global };
    }
  } finally {
    for (const lease of held.values()) lease.release();
  }
}

/** One epoch's items of `sampler` over `set`, in its order, one `{ field: typed array }` each (read on the JS thread). */
export async function* sampledItems(set: SampledShards, sampler: ShardOrderSampler, epoch: number, prefetch: number): AsyncGenerator<Record<string, BatchArray>> {
  // Cut item by item: a segment holds at most windowShards + 1 shards.
  for await (const seg of segments(set, sampler, epoch, 1, prefetch)) {
    for (const i of seg.local) yield readFields(seg.dataset, i, epoch);
  }
}
