// The consumer's side of a loop of batches, timed on the JS thread: from next() being called to
// a batch being ready (the loop waited for data) and from a batch being handed out to the next
// next() (the loop's own work with the batch: its compute). One pair of clock reads per batch.
export interface LoopTimes {
  /** Milliseconds the loop waited for batches: from next() called to the batch ready. */
  dataWaitMs: number;
  /** Milliseconds the loop spent with its batches: from a batch handed out to the next next() (or the loop's end). */
  computeMs: number;
  /** dataWaitMs + computeMs: time spent inside loops over the loader. */
  wallMs: number;
  /** Batches handed out. */
  batches: number;
}

export class WaitClock {
  #dataWait = 0;
  #compute = 0;
  #batches = 0;
  #asked = -1; // when the pending next() was called, while waiting for data
  #handed = -1; // when the last batch was handed out, while the consumer has it

  /** next() was called: the consumer is done with its batch and now waits for data. */
  asked(): void {
    const now = performance.now();
    if (this.#handed >= 0) this.#compute += now - this.#handed;
    this.#handed = -1;
    this.#asked = now;
  }

  /** A batch is ready and about to be handed out. */
  ready(): void {
    const now = performance.now();
    if (this.#asked >= 0) this.#dataWait += now - this.#asked;
    this.#asked = -1;
    this.#handed = now;
    this.#batches++;
  }

  /** The loop ended (done, break, error): whatever was running is counted up to now. */
  stopped(): void {
    const now = performance.now();
    if (this.#handed >= 0) this.#compute += now - this.#handed;
    if (this.#asked >= 0) this.#dataWait += now - this.#asked;
    this.#handed = -1;
    this.#asked = -1;
  }

  /** Zeroes the sums; a wait or a batch in progress is counted from now on. */
  reset(): void {
    const now = performance.now();
    this.#dataWait = 0;
    this.#compute = 0;
    this.#batches = 0;
    if (this.#asked >= 0) this.#asked = now;
    if (this.#handed >= 0) this.#handed = now;
  }

  times(): LoopTimes {
    // A wait or batch in progress counts up to now, so stats() asked mid-step are current.
    const now = performance.now();
    const dataWaitMs = this.#dataWait + (this.#asked >= 0 ? now - this.#asked : 0);
    const computeMs = this.#compute + (this.#handed >= 0 ? now - this.#handed : 0);
    return { dataWaitMs, computeMs, wallMs: dataWaitMs + computeMs, batches: this.#batches };
  }
}
