// The DataLoader: turns a sampler's order into batches, keeps `prefetch` of them in flight on
// the native pool, and hands them out in order. Memory is fixed at construction: `slots`
// batch slots in one arena, never more.
import { availableParallelism } from 'node:os';
import type { NativeFailure, NativeJobResult, NativeLoader, NativeLoaderStats } from '../binding.js';
import { Batch, type SlotOwner } from './batch.js';
import { arrayOf, isNativeDataset, nativeSource, type BatchArray, type NativeDataset } from './dataset.js';
import { BackpressureError, ItemError, TensorLoaderError } from './errors.js';
import { binding } from './native.js';
import { RandomSampler, SequentialSampler, type Sampler } from './sampler.js';

export interface DataLoaderOptions {
  /** Items per batch. Default 1. */
  batchSize?: number;
  /** A new random order every epoch, fixed by (seed, epoch). Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle (and of seeded augmentation). Default: random per loader. */
  seed?: number;
  /** Drop the last batch of an epoch when it is smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Batches decoded ahead of the one being used. Default 2. */
  prefetch?: number;
  /** Native threads filling batches. Default: available cores. */
  threads?: number;
  /** Batch slots in the arena (memory = slots × batch bytes). Default prefetch + 2. */
  slots?: number;
  /** How long to wait for a free slot before failing with a BackpressureError. Default 30 s. */
  slotTimeoutMs?: number;
  /** The first epoch number (affects the shuffle and augmentation). Default 0. */
  epoch?: number;
  /** Hand out batches that own their memory (a copy), so they can be kept indefinitely. */
  copy?: boolean;
  /**
   * What a bad item does: 'throw' (default) rejects the loop with an ItemError; 'skip' records
   * it in `loader.errors` and fills its place with items taken from the end of the epoch's
   * order, so every good item still comes exactly once per epoch.
   */
  onError?: 'throw' | 'skip';
  /** How many skipped-item errors `loader.errors` keeps (the most recent). Default 1000. */
  maxErrors?: number;
}

export type LoaderStats = NativeLoaderStats;

const SLOT_POLL_MS = 5;

/** The epoch's order, consumed from the front by batches and from the back by refills. */
interface Cursor {
  order: Uint32Array;
  head: number;
  tail: number;
}

export class DataLoader<T extends BatchArray = Float32Array> implements AsyncIterable<Batch<T>>, AsyncDisposable, SlotOwner {
  readonly dataset: NativeDataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly copy: boolean;
  readonly onError: 'throw' | 'skip';
  readonly slotTimeoutMs: number;
  readonly sampler: Sampler;
  #native: NativeLoader;
  #epoch: number;
  #iterating = false;
  #closed = false;
  #itemSize: number;
  #errors: ItemError[] = [];
  #errorCount = 0;
  #maxErrors: number;
  #slotWaiters: Array<() => void> = [];

  constructor(dataset: NativeDataset<T>, options: DataLoaderOptions = {}) {
    if (!isNativeDataset(dataset)) {
      throw new TensorLoaderError('ERR_INVALID_ARG', 'DataLoader: the dataset must be a tensorloader dataset (e.g. TextTensorDataset)');
    }
    this.dataset = dataset;
    this.batchSize = positiveInt('batchSize', options.batchSize ?? 1);
    this.shuffle = options.shuffle ?? false;
    this.seed = (options.seed ?? Math.floor(Math.random() * 0x100000000)) >>> 0;
    this.dropLast = options.dropLast ?? false;
    this.prefetch = positiveInt('prefetch', options.prefetch ?? 2);
    this.copy = options.copy ?? false;
    this.onError = options.onError ?? 'throw';
    if (this.onError !== 'throw' && this.onError !== 'skip') throw new RangeError(`onError must be 'throw' or 'skip', got ${String(this.onError)}`);
    this.#maxErrors = positiveInt('maxErrors', options.maxErrors ?? 1000);
    this.slotTimeoutMs = options.slotTimeoutMs ?? 30_000;
    this.#epoch = options.epoch ?? 0;
    const slots = positiveInt('slots', options.slots ?? this.prefetch + 2);
    const threads = options.threads ?? availableParallelism();
    this.sampler = this.shuffle ? new RandomSampler(dataset.length, this.seed) : new SequentialSampler(dataset.length);
    this.#itemSize = dataset.itemShape.reduce((a, b) => a * b, 1);
    this.#native = new binding.NativeLoader(dataset[nativeSource], { batchSize: this.batchSize, slots, threads });
  }

  /** Batches per epoch (with onError 'skip', fewer when items fail). */
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch the next iteration will run. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Sets the epoch of the next iteration (each iteration then advances it by one). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
    this.#epoch = epoch;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Items skipped with onError 'skip' (the most recent `maxErrors`). */
  get errors(): readonly ItemError[] {
    return this.#errors;
  }

  /** All items skipped so far, including those no longer kept in `errors`. */
  get errorCount(): number {
    return this.#errorCount;
  }

  stats(): LoaderStats {
    return this.#native.stats();
  }

  /** One epoch of batches, in sampler order. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch<T>, void, undefined> {
    if (this.#closed) throw new TensorLoaderError('ECLOSED', 'the loader is closed');
    if (this.#iterating) {
      throw new TensorLoaderError('EBUSY', 'this loader is already iterating; finish or break that loop first (or create a second loader)');
    }
    this.#iterating = true;
    const epoch = this.#epoch++;
    const cursor: Cursor = { order: this.sampler.indices(epoch), head: 0, tail: 0 };
    cursor.tail = cursor.order.length;
    const inflight: Array<{ result: Promise<NativeJobResult>; indices: Uint32Array }> = [];
    let number = 0;
    let current: Batch<T> | undefined;
    let held: NativeJobResult | undefined; // a finished slot not yet handed out
    try {
      for (;;) {
        while (cursor.head < cursor.tail && inflight.length < this.prefetch && this.#freeSlots() > 0) {
          const n = Math.min(this.batchSize, cursor.tail - cursor.head);
          if (n < this.batchSize && this.dropLast) {
            cursor.head = cursor.tail;
            break;
          }
          const indices = cursor.order.slice(cursor.head, cursor.head + n);
          cursor.head += n;
          const result = this.#native.submit(indices, epoch);
          result.catch(() => {}); // observed below; this keeps a close() mid-flight from being "unhandled"
          inflight.push({ result, indices });
        }
        if (inflight.length === 0) {
          if (cursor.head >= cursor.tail) return;
          await this.#waitForSlot();
          continue;
        }
        const job = inflight.shift()!;
        held = await job.result;
        let rows = held.count;
        let indices = job.indices;
        if (held.failures) {
          if (this.onError === 'throw') throw itemErrorOf(held.failures);
          ({ rows, indices } = await this.#skipFailures(held, indices, cursor, epoch));
          if (rows === 0 || (this.dropLast && rows < this.batchSize)) {
            this.#native.release(held.slot, held.generation);
            held = undefined;
            continue;
          }
        }
        current = this.#toBatch(held, rows, indices, epoch, number++);
        held = undefined;
        yield current;
        if (!current.retained) current.release();
        current = undefined;
      }
    } finally {
      if (current && !current.retained) current.release();
      if (held) this.#native.release(held.slot, held.generation);
      // Batches already decoded ahead are not wanted any more: give their slots back now, so
      // an early break or an error leaves no slot leased.
      for (const job of inflight) {
        try {
          const r = await job.result;
          this.#native.release(r.slot, r.generation);
        } catch {
          // closed mid-flight: nothing to give back
        }
      }
      this.#iterating = false;
    }
  }

  releaseSlot(slot: number, generation: number): void {
    this.#native.release(slot, generation);
    const waiters = this.#slotWaiters;
    this.#slotWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Stops the pool, frees every slot and the arena. Views of unreleased batches become empty. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
    const waiters = this.#slotWaiters;
    this.#slotWaiters = [];
    for (const wake of waiters) wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  #freeSlots(): number {
    const s = this.#native.stats();
    return s.slots - s.slotsLeased;
  }

  #record(failures: NativeFailure[]): void {
    for (const f of failures) {
      this.#errorCount++;
      this.#errors.push(new ItemError(f));
      if (this.#errors.length > this.#maxErrors) this.#errors.shift();
    }
  }

  // Drops the failed rows of a finished job and tops the batch up with items taken from the
  // end of the epoch's order (never from batches already submitted), until it is full or the
  // epoch has no items left.
  async #skipFailures(job: NativeJobResult, indices: Uint32Array, cursor: Cursor, epoch: number): Promise<{ rows: number; indices: Uint32Array }> {
    const kept: number[] = [];
    let failures = job.failures ?? [];
    let positions: ArrayLike<number> = indices;
    let base = 0;
    let rows = 0;
    for (;;) {
      this.#record(failures);
      const failed = new Set(failures.map((f) => f.position!));
      const keepRows: number[] = [...Array(rows).keys()];
      for (let p = 0; p < positions.length; p++) {
        if (!failed.has(p)) {
          keepRows.push(base + p);
          kept.push(positions[p]!);
        }
      }
      this.#native.compact(job.slot, job.generation, Uint32Array.from(keepRows));
      rows = keepRows.length;
      const want = Math.min(this.batchSize - rows, cursor.tail - cursor.head);
      if (want <= 0) break;
      const extra = cursor.order.slice(cursor.tail - want, cursor.tail);
      cursor.tail -= want;
      const refill = await this.#native.refill(job.slot, job.generation, rows, extra, epoch);
      failures = refill.failures ?? [];
      positions = extra;
      base = rows;
      if (failures.length === 0) {
        rows += extra.length;
        kept.push(...extra);
        break;
      }
    }
    return { rows, indices: Uint32Array.from(kept) };
  }

  #toBatch(job: NativeJobResult, rows: number, indices: Uint32Array, epoch: number, number: number): Batch<T> {
    const shape = [rows, ...this.dataset.itemShape];
    const buffer = this.#native.handOut(job.slot, job.generation, rows);
    const view = arrayOf(this.dataset.dtype, buffer, rows * this.#itemSize) as T;
    const all = this.dataset.labels;
    const labels = all ? Int32Array.from(indices, (i) => all[i]!) : undefined;
    if (this.copy) {
      const data = view.slice() as T;
      this.#native.release(job.slot, job.generation);
      return new Batch<T>({ data, shape, indices, labels, epoch, number });
    }
    return new Batch<T>({ data: view, shape, indices, labels, epoch, number, lease: { owner: this, slot: job.slot, generation: job.generation } });
  }

  // Slots come back through release() (which wakes us) or through a finalizer after GC (which
  // does not), so we also poll.
  async #waitForSlot(): Promise<void> {
    const deadline = Date.now() + this.slotTimeoutMs;
    while (this.#freeSlots() === 0) {
      if (this.#closed) throw new TensorLoaderError('ECLOSED', 'the loader was closed');
      const left = deadline - Date.now();
      if (left <= 0) {
        const s = this.#native.stats();
        throw new BackpressureError(
          `waited ${this.slotTimeoutMs} ms for a free batch slot: all ${s.slots} slots are held by batches ` +
            `that were not released (retain() keeps a batch past its loop iteration). Call batch.release() ` +
            `(or \`using batch = ...\`) when done with a batch, raise the loader's \`slots\` option, or pass ` +
            `\`copy: true\` to get batches that own their memory.`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(SLOT_POLL_MS, left));
        this.#slotWaiters.push(done);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function itemErrorOf(failures: NativeFailure[]): ItemError {
  const err = new ItemError(failures[0]!);
  if (failures.length > 1) {
    Object.defineProperty(err, 'failures', { value: failures.map((f) => new ItemError(f)), enumerable: true });
    err.message += ` (and ${failures.length - 1} more failed item${failures.length > 2 ? 's' : ''} in this batch)`;
  }
  return err;
}
