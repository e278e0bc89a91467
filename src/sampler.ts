// Samplers decide which items an epoch visits and in what order; batch samplers group them.
// The loader only batches what they give. Every random choice comes from xoshiro128** seeded
// by (seed, epoch), so an epoch's order is identical on every run, machine and rank.
import { shuffleInPlace, Xoshiro128 } from './prng.js';
import { count, index, positiveInt } from './validate.js';

export interface Sampler {
  /** Number of indices per epoch. */
  readonly length: number;
  /** The indices of epoch `epoch`, in order. */
  indices(epoch: number): Uint32Array;
}

function range(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** 0, 1, …, length - 1 every epoch. */
export class SequentialSampler implements Sampler {
  constructor(readonly length: number) {
    count('length', length);
  }
  indices(): Uint32Array {
    return range(this.length);
  }
}

export interface RandomSamplerOptions {
  seed?: number;
  /** Draw with replacement (then `numSamples` may exceed the dataset). Default false. */
  replacement?: boolean;
  /** Indices per epoch. Default: the dataset length. */
  numSamples?: number;
}

/** A new random order every epoch: a permutation, or draws with replacement. */
export class RandomSampler implements Sampler {
  readonly length: number;
  readonly seed: number;
  readonly replacement: boolean;

  constructor(
    readonly size: number,
    options: RandomSamplerOptions = {},
  ) {
    count('length', size);
    this.seed = (options.seed ?? 0) >>> 0;
    this.replacement = options.replacement ?? false;
    this.length = count('numSamples', options.numSamples ?? size);
    if (!this.replacement && this.length > size) throw new RangeError('numSamples cannot exceed the dataset length without replacement');
    if (this.length > 0 && size === 0) throw new RangeError('cannot sample from an empty dataset');
  }

  indices(epoch: number): Uint32Array {
    const rng = new Xoshiro128(this.seed, epoch);
    if (this.replacement) return Uint32Array.from({ length: this.length }, () => rng.below(this.size));
    return shuffleInPlace(range(this.size), rng).slice(0, this.length);
  }
}

/** The given indices, in order, every epoch. */
export class SubsetSampler implements Sampler {
  readonly subset: Uint32Array;
  constructor(indices: ArrayLike<number>) {
    this.subset = Uint32Array.from(indices, (i) => index(i));
  }
  get length(): number {
    return this.subset.length;
  }
  indices(): Uint32Array {
    return this.subset.slice();
  }
}

/** The given indices in a new random order every epoch (PyTorch's SubsetRandomSampler). */
export class SubsetRandomSampler implements Sampler {
  readonly subset: Uint32Array;
  readonly seed: number;
  constructor(indices: ArrayLike<number>, options: { seed?: number } = {}) {
    this.subset = Uint32Array.from(indices, (i) => index(i));
    this.seed = (options.seed ?? 0) >>> 0;
  }
  get length(): number {
    return this.subset.length;
  }
  indices(epoch: number): Uint32Array {
    return shuffleInPlace(this.subset.slice(), new Xoshiro128(this.seed, epoch));
  }
}

/**
 * Index i drawn with probability weights[i] / sum (PyTorch's WeightedRandomSampler). With
 * replacement by inverse CDF; without, by Efraimidis–Spirakis keys u^(1/w).
 */
export class WeightedRandomSampler implements Sampler {
  readonly weights: Float64Array;
  readonly seed: number;
  readonly replacement: boolean;
  readonly #cdf: Float64Array;

  constructor(
    weights: ArrayLike<number>,
    readonly length: number,
    options: { replacement?: boolean; seed?: number } = {},
  ) {
    this.weights = Float64Array.from(weights);
    count('numSamples', length);
    if (this.weights.some((w) => !(w >= 0) || !Number.isFinite(w))) throw new RangeError('weights must be finite and non-negative');
    const positive = this.weights.filter((w) => w > 0).length;
    this.replacement = options.replacement ?? true;
    if (length > 0 && positive === 0) throw new RangeError('at least one weight must be positive');
    if (!this.replacement && length > positive) throw new RangeError(`numSamples (${length}) exceeds the ${positive} items with positive weight`);
    this.seed = (options.seed ?? 0) >>> 0;
    this.#cdf = new Float64Array(this.weights.length);
    let total = 0;
    this.weights.forEach((w, i) => (this.#cdf[i] = total += w));
  }

  indices(epoch: number): Uint32Array {
    const rng = new Xoshiro128(this.seed, epoch);
    const n = this.weights.length;
    if (this.replacement) {
      const total = this.#cdf[n - 1]!;
      return Uint32Array.from({ length: this.length }, () => {
        const x = rng.nextFloat() * total;
        let lo = 0;
        let hi = n - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (this.#cdf[mid]! > x) hi = mid;
          else lo = mid + 1;
        }
        return lo;
      });
    }
    const keys: Array<[number, number]> = [];
    this.weights.forEach((w, i) => {
      if (w > 0) keys.push([Math.log(rng.nextFloat() || Number.MIN_VALUE) / w, i]);
    });
    keys.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    return Uint32Array.from(keys.slice(0, this.length), (k) => k[1]);
  }
}

export interface DistributedSamplerOptions {
  /** This process's rank. Default: the RANK environment variable, else 0. */
  rank?: number;
  /** Number of processes. Default: WORLD_SIZE, else 1. */
  worldSize?: number;
  /** Default true: the same permutation on every rank for an epoch, fixed by (seed, epoch). */
  shuffle?: boolean;
  seed?: number;
  /** Drop the tail so ranks get floor(n / worldSize) each; default pads by repeating the first indices. */
  dropLast?: boolean;
}

/**
 * One rank's share of the dataset (PyTorch's DistributedSampler): every rank gets the same
 * count, the union over ranks is the whole dataset (plus declared padding), no overlap.
 */
export class DistributedSampler implements Sampler {
  readonly rank: number;
  readonly worldSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly length: number;
  /** Total indices over all ranks (dataset length, padded or truncated to a multiple of worldSize). */
  readonly totalSize: number;

  constructor(
    readonly size: number,
    options: DistributedSamplerOptions = {},
  ) {
    count('length', size);
    this.worldSize = options.worldSize ?? envInt('WORLD_SIZE', 1);
    this.rank = options.rank ?? envInt('RANK', 0);
    positiveInt('worldSize', this.worldSize);
    if (!Number.isInteger(this.rank) || this.rank < 0 || this.rank >= this.worldSize) {
      throw new RangeError(`rank must be an integer in [0, ${this.worldSize - 1}], got ${this.rank}`);
    }
    this.shuffle = options.shuffle ?? true;
    this.seed = (options.seed ?? 0) >>> 0;
    this.dropLast = options.dropLast ?? false;
    this.length = this.dropLast ? Math.floor(size / this.worldSize) : Math.ceil(size / this.worldSize);
    this.totalSize = this.length * this.worldSize;
  }

  indices(epoch: number): Uint32Array {
    const all = this.shuffle ? shuffleInPlace(range(this.size), new Xoshiro128(this.seed, epoch)) : range(this.size);
    const padded = new Uint32Array(this.totalSize);
    for (let i = 0; i < this.totalSize; i++) padded[i] = all[i % this.size]!;
    const out = new Uint32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = padded[this.rank + i * this.worldSize]!;
    return out;
  }
}

/** An integer environment variable (RANK, WORLD_SIZE), or `fallback` when unset. */
export function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new RangeError(`${name}=${v} is not an integer`);
  return n;
}

/** Any iterable of indices (re-read every epoch), or a function of the epoch returning one. */
export type IndexSource = Iterable<number> | ((epoch: number) => Iterable<number>);

export class IterableSampler implements Sampler {
  #cached: Uint32Array | undefined;
  constructor(readonly source: IndexSource) {}
  get length(): number {
    return (this.#cached ??= this.indices(0)).length;
  }
  indices(epoch: number): Uint32Array {
    const it = typeof this.source === 'function' ? this.source(epoch) : this.source;
    return Uint32Array.from(it, (i) => index(i));
  }
}

export function toSampler(value: Sampler | IndexSource): Sampler {
  return typeof value === 'object' && value !== null && 'indices' in value && typeof (value as Sampler).indices === 'function'
    ? (value as Sampler)
    : new IterableSampler(value as IndexSource);
}

/** Groups a sampler's indices into batches (PyTorch's BatchSampler). */
export class BatchSampler {
  readonly sampler: Sampler;
  constructor(
    sampler: Sampler | IndexSource,
    readonly batchSize: number,
    readonly dropLast = false,
  ) {
    this.sampler = toSampler(sampler);
    positiveInt('batchSize', batchSize);
  }
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  batches(epoch: number): Uint32Array[] {
    const given = this.sampler.indices(epoch) as ArrayLike<number>;
    // A user's sampler may hand back plain numbers: checked like any other index source.
    const order = given instanceof Uint32Array ? given : Uint32Array.from(given, (i) => index(i));
    const out: Uint32Array[] = [];
    for (let start = 0; start < order.length; start += this.batchSize) {
      const b = order.slice(start, start + this.batchSize);
      if (b.length < this.batchSize && this.dropLast) break;
      out.push(b);
    }
    return out;
  }
}
