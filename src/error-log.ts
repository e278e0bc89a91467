// A bounded list of item errors: every error is counted, at most `max` are kept, so a source
// of bad files cannot grow memory. The loader keeps the most recent (what is failing now);
// pack() and verify() keep the first (what to fix first, in file order).
import type { ItemError } from './errors.js';

export class ErrorLog {
  readonly #entries: ItemError[] = [];
  #count = 0;

  constructor(
    readonly max: number,
    readonly keep: 'first' | 'recent',
  ) {}

  add(error: ItemError): void {
    this.#count++;
    if (this.#entries.length < this.max) this.#entries.push(error);
    else if (this.keep === 'recent') {
      this.#entries.shift();
      this.#entries.push(error);
    }
  }

  /** Every error added, including those no longer kept. */
  get count(): number {
    return this.#count;
  }

  /** The kept errors, oldest first. */
  get entries(): readonly ItemError[] {
    return this.#entries;
  }
}
