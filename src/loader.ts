// The DataLoader: turns a sampler's order into batches, keeps `prefetch` of them in flight on
// the native pool, and hands them out in order. Memory is fixed at construction: `slots`
// batch slots in one arena, never more.
import { availableParallelism } from 'node:os';
import type { NativeBatchResult, NativeLoader, NativeLoaderStats } from '../binding.js';
import { Batch, type SlotOwner } from './batch.js';
import { isNativeDataset, nativeSource, type NativeDataset } from './dataset.js';
import { BackpressureError, ItemError, TensorLoaderError } from './errors.js';
import { binding } from './native.js';
import { RandomSampler, SequentialSampler, type Sampler } from './sampler.js';

export interface DataLoaderOptions {
  /** Items per batch. Default 1. */
  batchSize?: number;
  /** A new random order every epoch, fixed by (seed, epoch). Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle. Default: random per loader (pass one for reproducible runs). */
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
  /** The first epoch number (affects the shuffle). Default 0. */
  epoch?: number;
  /** Hand out batches that own their memory (a copy), so they can be kept indefinitely. */
  copy?: boolean;
}

export type LoaderStats = NativeLoaderStats;

const SLOT_POLL_MS = 5;

export class DataLoader implements AsyncIterable<Batch>, AsyncDisposable, SlotOwner {
  readonly dataset: NativeDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly copy: boolean;
  readonly slotTimeoutMs: number;
  readonly sampler: Sampler;
  #native: NativeLoader;
  #epoch: number;
  #iterating = false;
  #closed = false;
  #itemSize: number;
  #slotWaiters: Array<() => void> = [];

  constructor(dataset: NativeDataset, options: DataLoaderOptions = {}) {
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
    this.slotTimeoutMs = options.slotTimeoutMs ?? 30_000;
    this.#epoch = options.epoch ?? 0;
    const slots = positiveInt('slots', options.slots ?? this.prefetch + 2);
    const threads = options.threads ?? availableParallelism();
    this.sampler = this.shuffle ? new RandomSampler(dataset.length, this.seed) : new SequentialSampler(dataset.length);
    this.#itemSize = dataset.itemShape.reduce((a, b) => a * b, 1);
    this.#native = new binding.NativeLoader(dataset[nativeSource], { batchSize: this.batchSize, slots, threads });
  }

  /** Batches per epoch. */
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

  stats(): LoaderStats {
    return this.#native.stats();
  }

  /** One epoch of batches, in sampler order. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch, void, undefined> {
    if (this.#closed) throw new TensorLoaderError('ECLOSED', 'the loader is closed');
    if (this.#iterating) {
      throw new TensorLoaderError('EBUSY', 'this loader is already iterating; finish or break that loop first (or create a second loader)');
    }
    this.#iterating = true;
    const epoch = this.#epoch++;
    const order = this.sampler.indices(epoch);
    const count = this.length;
    const inflight: Array<{ result: Promise<NativeBatchResult>; indices: Uint32Array }> = [];
    let submitted = 0;
    let current: Batch | undefined;
    try {
      let number = 0;
      while (number < count) {
        while (submitted < count && inflight.length < this.prefetch && this.#freeSlots() > 0) {
          const indices = order.slice(submitted * this.batchSize, Math.min(order.length, (submitted + 1) * this.batchSize));
          const result = this.#native.submit(indices);
          result.catch(() => {}); // observed below; this keeps a close() mid-flight from being "unhandled"
          inflight.push({ result, indices });
          submitted++;
        }
        if (inflight.length === 0) {
          await this.#waitForSlot();
          continue;
        }
        const job = inflight.shift()!;
        const result = await job.result;
        if (result.failures && result.failures.length > 0) throw itemErrorOf(result);
        current = this.#toBatch(result, job.indices, epoch, number++);
        yield current;
        if (!current.retained) current.release();
        current = undefined;
      }
    } finally {
      if (current && !current.retained) current.release();
      // Batches already decoded ahead are not wanted any more: give their slots back now, so
      // an early break or an error leaves no slot leased.
      for (const job of inflight) {
        try {
          const r = await job.result;
          if (r.buffer) this.#native.release(r.slot, r.generation);
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

  #toBatch(result: NativeBatchResult, indices: Uint32Array, epoch: number, number: number): Batch {
    const shape = [result.count, ...this.dataset.itemShape];
    const view = new Float32Array(result.buffer!, 0, result.count * this.#itemSize);
    if (this.copy) {
      const data = view.slice();
      this.#native.release(result.slot, result.generation);
      return new Batch({ data, shape, indices, epoch, number });
    }
    return new Batch({ data: view, shape, indices, epoch, number, lease: { owner: this, slot: result.slot, generation: result.generation } });
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

function itemErrorOf(result: NativeBatchResult): ItemError {
  const failures = result.failures!;
  const err = new ItemError(failures[0]!);
  if (failures.length > 1) {
    Object.defineProperty(err, 'failures', { value: failures.map((f) => new ItemError(f)), enumerable: true });
    err.message += ` (and ${failures.length - 1} more failed item${failures.length > 2 ? 's' : ''} in this batch)`;
  }
  return err;
}
