// A shard-aware distributed order for sharded datasets (WebDataset tars, packed shards):
// shards are shuffled per epoch, samples are shuffled within a window of shards, each rank
// reads about 1/worldSize of the shards, and a job resumed with another world size continues
// without repeating or skipping a sample.
//
// The global order of an epoch, G, is a pure function of (seed, epoch, the shards' sample
// counts, streams), computed in JS (the thread count cannot change it):
//  1. the shards are permuted by (seed, epoch) and their samples laid end to end: S;
//  2. S is cut into `streams` contiguous streams (lengths differ by at most one, the longer
//     ones first), each a run of whole or part shards; within each stream, samples are
//     shuffled inside windows of `windowShards` consecutive shard runs;
//  3. G interleaves the streams: G[p] is sample floor(p / streams) of stream p mod streams.
// Rank r of W takes G[o + r], G[o + r + W], G[o + r + 2W], ... where o is the epoch's resume
// offset (0 unless resumed). After every rank has taken k batches of b, the samples consumed
// are exactly G[o, o + k*b*W): a prefix, whatever W was. So a state counted in global samples
// resumes under any world size. When W divides `streams`, rank r reads only the streams
// congruent to r mod W, so about 1/W of the shards (in general 1/gcd(W, streams)); with
// streams = W (the default: the world size of the run that starts), a rank reads one stream,
// holding at most windowShards + 1 shards at a time.
import { shuffleInPlace, Xoshiro128 } from './prng.js';
import { envInt, type Sampler } from './sampler.js';

/** JSON-able position in global samples: pass as `resume` (any world size) with DataLoader's `epoch: state.epoch`. */
export interface ShardOrderState {
  epoch: number;
  /** Samples of the epoch's global order already consumed (by all ranks together). */
  samples: number;
  seed: number;
  /** The stream count that fixes the global order; a resumed run keeps it. */
  streams: number;
}

export interface ShardOrderOptions {
  /** This process's rank. Default: RANK, else 0. */
  rank?: number;
  /** Number of processes. Default: WORLD_SIZE, else 1. */
  worldSize?: number;
  seed?: number;
  /** Default true. false keeps shard and sample order (streams and ranks still apply). */
  shuffle?: boolean;
  /** Independent streams the global order interleaves. Default: `resume.streams`, else worldSize. */
  streams?: number;
  /** Samples are shuffled within runs of this many shards of a stream. Default 2. */
  windowShards?: number;
  /**
   * Ranks get equal counts: by default the last round is padded with samples from the start of
   * the epoch's order (as PyTorch's DistributedSampler pads); dropLast drops the tail instead.
   */
  dropLast?: boolean;
  /** Continue from `sampler.state(loader)` of an earlier run (any world size). */
  resume?: ShardOrderState;
}

/** What one epoch gives this rank. */
export interface ShardOrderPlan {
  /** Samples in the epoch's global order. */
  total: number;
  /** Where this epoch starts in it (the resume offset, else 0). */
  offset: number;
  /** Indices this rank gets; every rank gets as many. */
  perRank: number;
  /** Of those, over all ranks, repeats added so every rank gets perRank (0 with dropLast). */
  padding: number;
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

type ShardCounts = readonly number[] | { readonly shards: ReadonlyArray<{ readonly samples: number }> };

/**
 * The Sampler of the shard-aware order (`new DataLoader(ds, { sampler: new ShardOrderSampler(ds), batchSize })`).
 * Takes a dataset with `shards` (WebDataset, its `samples` per shard, dataset indices numbered
 * shard after shard) or the sample counts themselves.
 */
export class ShardOrderSampler implements Sampler {
  readonly rank: number;
  readonly worldSize: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly streams: number;
  readonly windowShards: number;
  readonly dropLast: boolean;
  readonly resume: ShardOrderState | undefined;
  /** Samples of each shard, and the dataset index of each shard's first sample. */
  readonly counts: readonly number[];
  readonly #starts: number[];
  readonly #total: number;

  constructor(shards: ShardCounts, options: ShardOrderOptions = {}) {
    const counts = Array.isArray(shards) ? [...(shards as readonly number[])] : (shards as { shards: ReadonlyArray<{ samples: number }> }).shards.map((s) => s.samples);
    for (const c of counts) if (!Number.isInteger(c) || c < 0) throw new RangeError(`sample counts must be non-negative integers, got ${c}`);
    this.counts = Object.freeze(counts);
    this.#starts = [];
    let total = 0;
    for (const c of counts) {
      this.#starts.push(total);
      total += c;
    }
    if (total > 0xffffffff) throw new RangeError(`${total} samples: indices must fit in 32 bits`);
    this.#total = total;
    this.worldSize = positive('worldSize', options.worldSize ?? envInt('WORLD_SIZE', 1));
    this.rank = options.rank ?? envInt('RANK', 0);
    if (!Number.isInteger(this.rank) || this.rank < 0 || this.rank >= this.worldSize) {
      throw new RangeError(`rank must be an integer in [0, ${this.worldSize - 1}], got ${this.rank}`);
    }
    const r = options.resume;
    if (r) {
      if (!Number.isInteger(r.epoch) || r.epoch < 0 || !Number.isInteger(r.samples) || r.samples < 0 || r.samples > total) {
        throw new RangeError(`resume: epoch must be >= 0 and samples in [0, ${total}], got ${JSON.stringify(r)}`);
      }
      if (options.seed !== undefined && options.seed >>> 0 !== r.seed >>> 0) throw new RangeError(`resume: the state was made with seed ${r.seed}, not ${options.seed}`);
      if (options.streams !== undefined && options.streams !== r.streams) {
        throw new RangeError(`resume: the state's order has ${r.streams} streams; ${options.streams} would be another order`);
      }
    }
    this.resume = r ? Object.freeze({ ...r }) : undefined;
    this.seed = (r?.seed ?? options.seed ?? 0) >>> 0;
    this.streams = positive('streams', r?.streams ?? options.streams ?? this.worldSize);
    this.windowShards = positive('windowShards', options.windowShards ?? 2);
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
  }

  /** Indices per epoch for this rank (a resumed epoch has fewer: see plan()). */
  get length(): number {
    return this.#share(this.#total);
  }

  #share(remaining: number): number {
    return this.dropLast ? Math.floor(remaining / this.worldSize) : Math.ceil(remaining / this.worldSize);
  }

  plan(epoch: number): ShardOrderPlan {
    const offset = this.resume && this.resume.epoch === epoch ? this.resume.samples : 0;
    const remaining = this.#total - offset;
    const perRank = remaining === 0 ? 0 : this.#share(remaining);
    return { total: this.#total, offset, perRank, padding: Math.max(0, perRank * this.worldSize - remaining) };
  }

  /** The epoch's global order G (the same on every rank and for every world size). */
  globalOrder(epoch: number): Uint32Array {
    const n = this.#total;
    const shardOrder = Uint32Array.from(this.counts.keys());
    if (this.shuffle) shuffleInPlace(shardOrder, new Xoshiro128(this.seed, epoch));
    // S: the permuted shards' samples end to end, with the shard run each belongs to.
    const s = new Uint32Array(n);
    const runStart: number[] = [];
    let at = 0;
    for (const shard of shardOrder) {
      runStart.push(at);
      for (let k = 0; k < this.counts[shard]!; k++) s[at++] = this.#starts[shard]! + k;
    }
    runStart.push(n);
    const c = this.streams;
    const q = Math.floor(n / c);
    const r = n % c;
    const g = new Uint32Array(n);
    for (let stream = 0; stream < c; stream++) {
      const start = stream * q + Math.min(stream, r);
      const len = q + (stream < r ? 1 : 0);
      if (len === 0) continue;
      const piece = s.subarray(start, start + len);
      if (this.shuffle) this.#shuffleWindows(piece, start, runStart, new Xoshiro128(mix(this.seed, stream), epoch));
      for (let k = 0; k < len; k++) g[k * c + stream] = piece[k]!;
    }
    return g;
  }

  // Shuffles a stream's samples within windows of windowShards consecutive shard runs (a run
  // cut by the stream's ends counts as one).
  #shuffleWindows(piece: Uint32Array, start: number, runStart: readonly number[], rng: Xoshiro128): void {
    const end = start + piece.length;
    let run = upperBound(runStart, start) - 1;
    let from = start;
    while (from < end) {
      const to = Math.min(end, runStart[Math.min(run + this.windowShards, runStart.length - 1)]!);
      shuffleInPlace(piece.subarray(from - start, to - start), rng);
      run += this.windowShards;
      from = to;
    }
  }

  indices(epoch: number): Uint32Array {
    const { total, offset, perRank } = this.plan(epoch);
    if (perRank === 0) return new Uint32Array(0);
    const g = this.globalOrder(epoch);
    const out = new Uint32Array(perRank);
    for (let k = 0; k < perRank; k++) {
      const pos = offset + this.rank + k * this.worldSize;
      out[k] = g[pos < total ? pos : (pos - total) % total]!;
    }
    return out;
  }

  /**
   * The position of a loader using this sampler, in global samples: what every rank passes
   * as `resume` to continue under any world size. Valid when every rank has handed out the same
   * number of batches (a checkpoint taken at the same step on all ranks).
   */
  state(loader: { state(): { epoch: number; batches: number }; readonly batchSize: number }): ShardOrderState {
    const { epoch, batches } = loader.state();
    const { offset, total } = this.plan(epoch);
    const samples = Math.min(total, offset + batches * loader.batchSize * this.worldSize);
    return { epoch, samples, seed: this.seed, streams: this.streams };
  }
}

function upperBound(values: readonly number[], x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// A stream's own seed: distinct streams get unrelated shuffles from one user seed.
function mix(seed: number, stream: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
