// An epoch's batches as the engines consume them: taken from the front; with onError 'skip',
// replacements for failed items come from the back (items of batches not yet taken), so every
// good item still comes exactly once per epoch.

export interface Plan {
  /** True once every batch was taken. */
  readonly done: boolean;
  /** The next batch (only when not done). */
  take(): Uint32Array;
  /** Up to `want` indices from the batches not yet taken, from the back (shrinking or dropping them). */
  takeFromBack(want: number): Uint32Array;
}

/** A sampler's batches, from batch `next` on. */
export class BatchPlan implements Plan {
  constructor(
    readonly batches: Uint32Array[],
    private next = 0,
  ) {}

  get done(): boolean {
    return this.next >= this.batches.length;
  }

  take(): Uint32Array {
    return this.batches[this.next++]!;
  }

  takeFromBack(want: number): Uint32Array {
    const taken: number[] = [];
    while (taken.length < want && this.batches.length > this.next) {
      const last = this.batches[this.batches.length - 1]!;
      const k = Math.min(want - taken.length, last.length);
      taken.push(...last.subarray(last.length - k));
      if (k === last.length) this.batches.pop();
      else this.batches[this.batches.length - 1] = last.slice(0, last.length - k);
    }
    return Uint32Array.from(taken);
  }
}

/**
 * 0..length-1 in order, in groups of `group`, made as they are taken (memory does not grow with
 * the dataset). No replacements: a failed item is just left out, so the order stays the file's.
 */
export class RangePlan implements Plan {
  #next = 0;

  constructor(
    readonly length: number,
    readonly group: number,
  ) {}

  get done(): boolean {
    return this.#next >= this.length;
  }

  take(): Uint32Array {
    const first = this.#next;
    const n = Math.min(this.group, this.length - first);
    this.#next += n;
    return Uint32Array.from({ length: n }, (_, i) => first + i);
  }

  takeFromBack(): Uint32Array {
    return new Uint32Array(0);
  }
}
