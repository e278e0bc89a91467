// The native batch protocol, driven in one place for the DataLoader and pack(): submit jobs
// while slots are free, take them back in order, drop failed rows (compact) and top batches up
// from the back of the plan (refill), hand slots out as buffers, and give every slot back on
// any exit. Memory is the arena's: `slots` batch slots fixed at construction.
import type { NativeJobResult, NativeLoader, NativeLoaderStats } from '../../binding.js';
import type { SlotOwner } from '../batch.js';
import { arrayAt, elementsOf, nativeSource, type BatchArray, type FieldSpec, type NativeDataset } from '../dataset.js';
import type { ErrorLog } from '../error-log.js';
import { BackpressureError, TensorLoaderError } from '../errors.js';
import { batchError, itemError } from '../failures.js';
import { binding } from '../native.js';
import type { OnError } from '../validate.js';
import { raced } from './abort.js';
import { decodeCap } from './memory-budget.js';
import type { Plan } from './plan.js';

const SLOT_POLL_MS = 5;

/** Each field's element type and item shape, in the order a slot holds them (one entry for single-field datasets). */
export function slotFields(dataset: NativeDataset): ReadonlyArray<Pick<FieldSpec, 'dtype' | 'shape'>> {
  return dataset.fields ?? [{ dtype: dataset.dtype, shape: dataset.itemShape }];
}

/** A finished batch whose slot the receiver now owns: hand it out or release it. */
export interface PumpedBatch {
  slot: number;
  generation: number;
  /** Rows filled (failed ones dropped, replacements added). */
  rows: number;
  /** Dataset index of each row. */
  indices: Uint32Array;
  /** Items the job was submitted with. */
  submitted: number;
}

export interface PumpRun {
  epoch: number;
  /** Jobs in flight at most. */
  prefetch: number;
  onError: OnError;
  /** Where skipped failures are recorded. */
  errors: ErrorLog;
  /** Batches with fewer rows are released, not handed on (the loader: 1, or batchSize with dropLast; pack: 0). */
  minRows: number;
  aborted?: Promise<never>;
  signal?: AbortSignal;
}

interface InFlight {
  resolve: (result: NativeJobResult) => void;
  reject: (error: Error) => void;
  count: number;
}

export class BatchPump implements SlotOwner {
  readonly native: NativeLoader;
  readonly batchSize: number;
  readonly slotTimeoutMs: number;
  /** See slotFields. */
  readonly specs: ReadonlyArray<Pick<FieldSpec, 'dtype' | 'shape'>>;
  readonly #offsets: number[];
  #waiters: Array<() => void> = [];
  #closed = false;
  /** Per slot: the settle functions of the batch in flight there, until onDone or close(). */
  readonly #inFlight: Array<InFlight | undefined> = [];

  constructor(dataset: NativeDataset, options: { batchSize: number; slots: number; threads: number; slotTimeoutMs: number; memoryBudget?: number; stageTimes?: boolean }) {
    this.batchSize = options.batchSize;
    this.slotTimeoutMs = options.slotTimeoutMs;
    const maxItemBytes = decodeCap(dataset, options.batchSize, options.slots, options.threads, options.memoryBudget);
    this.native = new binding.NativeLoader(
      dataset[nativeSource],
      { batchSize: options.batchSize, slots: options.slots, threads: options.threads, maxItemBytes, stageTimes: options.stageTimes ?? true },
      (slot, generation, failed) => this.#done(slot, generation, failed),
    );
    this.#offsets = this.native.stats().fieldOffsets;
    this.specs = slotFields(dataset);
  }

  /** The plan's batches, in order, as finished slots (see PumpedBatch). */
  async *run(plan: Plan, run: PumpRun): AsyncGenerator<PumpedBatch, void, undefined> {
    const inflight: Array<{ result: Promise<NativeJobResult>; indices: Uint32Array }> = [];
    let held: NativeJobResult | undefined; // a finished slot not yet handed on
    // Past the first submit, a pool idle before a submit was waiting on the consumer: every
    // batch it may fill ahead was done (stats().slotWaitMs).
    let waited = false;
    try {
      for (;;) {
        while (!plan.done && inflight.length < run.prefetch && this.native.freeSlots() > 0) {
          const indices = plan.take();
          const result = this.#track(this.native.submit(indices, run.epoch, waited), indices.length);
          waited = true;
          result.catch(() => {}); // observed below; this keeps a close() mid-flight from being "unhandled"
          inflight.push({ result, indices });
        }
        if (inflight.length === 0) {
          if (plan.done) return;
          await this.#waitForSlot(run.signal);
          continue;
        }
        const job = inflight.shift()!;
        held = await raced(job.result, run.aborted);
        let rows = held.count;
        let indices = job.indices;
        if (held.failures) {
          if (run.onError === 'throw') throw batchError(held.failures.map(itemError));
          ({ rows, indices } = await this.#skipFailures(held, indices, plan, run));
        }
        const out: PumpedBatch = { slot: held.slot, generation: held.generation, rows, indices, submitted: job.indices.length };
        held = undefined;
        if (rows < run.minRows) this.native.release(out.slot, out.generation);
        else yield out;
      }
    } finally {
      if (held) this.native.release(held.slot, held.generation);
      // Batches already decoded ahead are not wanted any more: give their slots back now, so
      // an early break, an abort or an error leaves no slot leased.
      for (const job of inflight) {
        try {
          const r = await job.result;
          this.native.release(r.slot, r.generation);
        } catch {
          // closed mid-flight: nothing to give back
        }
      }
    }
  }

  /** The slot's rows as one typed array per field (views over the slot until it is released). */
  handOut(batch: PumpedBatch): BatchArray[] {
    const buffer = this.native.handOut(batch.slot, batch.generation, batch.rows);
    return this.specs.map((s, f) => arrayAt(s.dtype, buffer, this.#offsets[f]!, batch.rows * elementsOf(s.shape)));
  }

  releaseSlot(slot: number, generation: number): void {
    this.native.release(slot, generation);
    this.#wake();
  }

  stats(): NativeLoaderStats {
    return this.native.stats();
  }

  /** Starts stats()' stage times, items and slot wait from zero. */
  resetTimes(): void {
    if (!this.#closed) this.native.resetTimes();
  }

  /** Stops the pool, frees every slot and the arena. Views of unreleased batches become empty. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.native.close();
    for (let slot = 0; slot < this.#inFlight.length; slot++) {
      const job = this.#inFlight[slot];
      this.#inFlight[slot] = undefined;
      job?.reject(new TensorLoaderError('ECLOSED', 'the loader was closed while this batch was in flight'));
    }
    this.#wake();
  }

  // The batch the native loader just took into `slot`, as a promise of its result.
  #track(slot: number, count: number): Promise<NativeJobResult> {
    return new Promise<NativeJobResult>((resolve, reject) => {
      this.#inFlight[slot] = { resolve, reject, count };
    });
  }

  // onDone of the native loader: the batch in `slot` is filled.
  #done(slot: number, generation: number, failed: number): void {
    const job = this.#inFlight[slot];
    if (!job) return;
    this.#inFlight[slot] = undefined;
    const failures = failed > 0 ? this.native.failures(slot, generation) : undefined;
    job.resolve({ slot, generation, count: job.count, failures });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  // Drops the failed rows of a finished job and tops the batch up with items the plan gives
  // from its back (a BatchPlan: items of batches not yet submitted; a RangePlan: none) (never from batches already submitted), until it is
  // full or the epoch has no items left.
  async #skipFailures(job: NativeJobResult, indices: Uint32Array, plan: Plan, run: PumpRun): Promise<{ rows: number; indices: Uint32Array }> {
    const kept: number[] = [];
    let failures = job.failures ?? [];
    let positions: ArrayLike<number> = indices;
    let base = 0;
    let rows = 0;
    for (;;) {
      for (const f of failures) run.errors.add(itemError(f));
      const failed = new Set(failures.map((f) => f.position!));
      const keepRows: number[] = [...Array(rows).keys()];
      for (let p = 0; p < positions.length; p++) {
        if (!failed.has(p)) {
          keepRows.push(base + p);
          kept.push(positions[p]!);
        }
      }
      this.native.compact(job.slot, job.generation, Uint32Array.from(keepRows));
      rows = keepRows.length;
      const extra = plan.takeFromBack(this.batchSize - rows);
      if (extra.length === 0) break;
      const refill = await this.#track(this.native.refill(job.slot, job.generation, rows, extra, run.epoch), extra.length);
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

  // Slots come back through releaseSlot() (which wakes us) or through a finalizer after GC
  // (which does not), so we also poll.
  async #waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    const deadline = Date.now() + this.slotTimeoutMs;
    while (this.native.freeSlots() === 0) {
      if (this.#closed) throw new TensorLoaderError('ECLOSED', 'the loader was closed');
      signal?.throwIfAborted();
      const left = deadline - Date.now();
      if (left <= 0) {
        const s = this.stats();
        throw new BackpressureError(
          `waited ${this.slotTimeoutMs} ms for a free batch slot: all ${s.slots} slots are held by batches ` +
            `that were not released (retain() keeps a batch past its loop iteration). Call batch.release() ` +
            `(or \`using batch = ...\`) when done with a batch, raise the loader's \`slots\` (or \`prefetch\`, which sets its default), or pass ` +
            `\`copy: true\` to get batches that own their memory.`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(SLOT_POLL_MS, left));
        this.#waiters.push(done);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }
}
