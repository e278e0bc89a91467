// A batch is a view over one arena slot. Its memory is the loader's, lent until release():
// then the views are detached (they read as empty) and the slot goes back to the arena. A
// batch nobody releases is returned by the ArrayBuffer's finalizer when it is collected.

import type { BatchArray, FieldArrays } from './dataset.js';
import { TensorLoaderError } from './errors.js';

// The fields of every single-field batch.
const NO_FIELDS: Readonly<Record<string, BatchField>> = Object.freeze(Object.create(null) as Record<string, BatchField>);

/** Gives a slot back; implemented by the loader. */
export interface SlotOwner {
  releaseSlot(slot: number, generation: number): void;
}

/** One field of a batch: its rows as one typed array, and their shape [rows, ...]. */
export interface BatchField<A = BatchArray> {
  readonly data: A;
  readonly shape: readonly number[];
}

/** A batch's `fields`: one BatchField per field of F, typed by its array. */
export type BatchFields<F extends FieldArrays = FieldArrays> = { readonly [K in keyof F]: BatchField<F[K]> };

export interface BatchInit<T> {
  data: T;
  fields?: Readonly<Record<string, BatchField>>;
  shape: readonly number[];
  indices: Uint32Array;
  labels?: Int32Array;
  epoch: number;
  /** Position of this batch in its epoch. */
  number: number;
  /** Absent when the batch owns its memory (copy: true). */
  lease?: { owner: SlotOwner; slot: number; generation: number };
}

/**
 * T is `data`'s type; F the fields by name (typed by the dataset: `batch.fields.image.data` is a
 * Float32Array, `batch.fields.nope` a type error); L `labels`' type (Int32Array on labelled
 * datasets, undefined on unlabelled ones).
 */
export class Batch<T = Float32Array, F extends FieldArrays = FieldArrays, L extends Int32Array | undefined = Int32Array | undefined> implements Disposable {
  /**
   * Native datasets: the items, row-major, shape[0] rows of shape[1..] values (float16: raw
   * half bits). JS datasets: what `collate` made of the items (see defaultCollate).
   */
  readonly data: T;
  /** [items in this batch, ...item shape]; the last batch of an epoch may be smaller. */
  readonly shape: readonly number[];
  /**
   * Datasets with several fields per item (packed files, paired .npy arrays): every field by
   * name, each one typed array over this batch's rows. `data` is the first field's. Empty for
   * single-field datasets.
   */
  readonly fields: BatchFields<F>;
  /** Dataset index of each row. */
  readonly indices: Uint32Array;
  /** Class label of each row, for datasets with labels. */
  readonly labels: L;
  readonly epoch: number;
  readonly number: number;
  #lease: BatchInit<T>['lease'];
  #retained = false;
  #released = false;
  /** Promises (releaseAfter) the slot must outlive; release() waits for all of them. */
  #pins = 0;

  constructor(init: BatchInit<T>) {
    this.data = init.data;
    // Null prototype: a field named '__proto__' (a packed file may have one) stays a field.
    this.fields = (init.fields ? Object.freeze(Object.assign(Object.create(null) as Record<string, BatchField>, init.fields)) : NO_FIELDS) as BatchFields<F>;
    // A frozen shape is shared as it is (the native engine hands the same one to every full batch).
    this.shape = Object.isFrozen(init.shape) ? init.shape : Object.freeze([...init.shape]);
    this.indices = init.indices;
    this.labels = init.labels as L;
    this.epoch = init.epoch;
    this.number = init.number;
    this.#lease = init.lease;
  }

  /** Number of items (rows). */
  get size(): number {
    return this.shape[0]!;
  }

  /** True when the data lives in a loader slot (not a copy). */
  get borrowed(): boolean {
    return this.#lease !== undefined;
  }

  get released(): boolean {
    return this.#released;
  }

  get retained(): boolean {
    return this.#retained;
  }

  /**
   * Keeps the batch past the loop iteration that produced it. A `for await` loop otherwise
   * releases each batch when it moves to the next. A retained batch holds its slot until
   * release() (or until it is garbage-collected).
   */
  retain(): this {
    if (this.#released) throw new Error('cannot retain a released batch');
    this.#retained = true;
    return this;
  }

  /**
   * Keeps the batch until `work` settles, then releases it; returns `work`'s result. For
   * consumers that read the memory after the call that was given it returns, such as
   * onnxruntime's `session.run(feeds)`: `await batch.releaseAfter(session.run(feeds))`, or
   * collect the promises to keep several batches in flight. A release() meanwhile (the loop
   * moving on, or the caller's own) waits for every such promise.
   */
  releaseAfter<R>(work: PromiseLike<R>): Promise<R> {
    if (this.#released) throw new TensorLoaderError('ERELEASED', 'releaseAfter: this batch is already released');
    this.#retained = true;
    this.#pins++;
    const unpin = (): void => {
      if (--this.#pins === 0) this.release();
    };
    return Promise.resolve(work).finally(unpin);
  }

  /**
   * Returns the slot now (or, while releaseAfter() promises are pending, once they settle).
   * Views taken from this batch become empty. Idempotent.
   */
  release(): void {
    if (this.#released) return;
    if (this.#pins > 0) return; // the last releaseAfter() promise to settle releases
    this.#released = true;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease) lease.owner.releaseSlot(lease.slot, lease.generation);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
