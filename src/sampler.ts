// Samplers decide the order of indices in an epoch; the loader only batches what they yield.
import { shuffleInPlace, Xoshiro128 } from './prng.js';

export interface Sampler {
  /** Number of indices per epoch. */
  readonly length: number;
  /** The indices of epoch `epoch`, in order. */
  indices(epoch: number): Uint32Array;
}

export class SequentialSampler implements Sampler {
  constructor(readonly length: number) {}
  indices(): Uint32Array {
    const out = new Uint32Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = i;
    return out;
  }
}

/** A permutation of 0..length-1 per epoch, fixed by (seed, epoch). */
export class RandomSampler implements Sampler {
  constructor(
    readonly length: number,
    readonly seed: number,
  ) {}
  indices(epoch: number): Uint32Array {
    const out = new SequentialSampler(this.length).indices();
    return shuffleInPlace(out, new Xoshiro128(this.seed, epoch));
  }
}
