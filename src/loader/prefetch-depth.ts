// How many batches the native pump keeps in flight. A `prefetch` the user sets is kept as it
// is. By default the depth is chosen from the measured fill time of the batches: every batch
// costs a fixed round trip besides its items (the completion hop to the JS thread, the loop's
// turn, the next submit and the pool's wake-up), so batches that fill in well under a
// millisecond leave the pool idle for a large share of their time when only 2 are ahead, while
// for slower batches 2 ahead already hides the round trip and more would only hold more slots.

/** Batches that fill faster than this (in µs, on average) get the deep queue. */
export const QUICK_BATCH_US = 1000;
/** The default depth, and the deep queue for quick batches (within the slots there are). */
export const DEFAULT_PREFETCH = 2;
export const QUICK_PREFETCH = 8;
/** The arena a default loader may take for the deep queue's slots; bigger batches keep prefetch + 2 slots. */
export const QUICK_ARENA_BYTES = 16 * 1024 * 1024;

export interface PrefetchDepth {
  /** Batches to keep in flight now. */
  readonly value: number;
  /** A batch was filled in `fillUs` microseconds. */
  observe(fillUs: number): void;
}

export function fixedDepth(value: number): PrefetchDepth {
  return { value, observe: () => {} };
}

/** Starts at DEFAULT_PREFETCH; goes to `deep` while batches fill in under QUICK_BATCH_US on average. */
export class MeasuredDepth implements PrefetchDepth {
  #value = DEFAULT_PREFETCH;
  #meanUs = -1;

  constructor(readonly deep: number) {}

  get value(): number {
    return this.#value;
  }

  observe(fillUs: number): void {
    // A moving average over about 8 batches: one slow batch (a page fault, a preempted thread)
    // does not flip the depth, a change of items (another dataset phase) does within a few.
    this.#meanUs = this.#meanUs < 0 ? fillUs : this.#meanUs + (fillUs - this.#meanUs) / 8;
    this.#value = this.#meanUs < QUICK_BATCH_US ? Math.max(DEFAULT_PREFETCH, this.deep) : DEFAULT_PREFETCH;
  }
}

/**
 * The default slots and depth of a native loader whose user set neither `prefetch` nor
 * `slots`: room for the deep queue when its arena stays within QUICK_ARENA_BYTES.
 */
export function defaultSlots(slotBytes: number): { slots: number; deep: number } {
  const fit = Math.floor(QUICK_ARENA_BYTES / Math.max(1, slotBytes));
  const slots = Math.max(DEFAULT_PREFETCH + 2, Math.min(QUICK_PREFETCH + 2, fit));
  return { slots, deep: slots - 2 };
}
