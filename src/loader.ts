// The DataLoader: turns a sampler's order into batches, keeps `prefetch` of them in flight on
// the native pool, and hands them out in order. Memory is fixed at construction: `slots`
// batch slots in one arena, never more.
import { availableParallelism } from 'node:os';
import type { NativeFailure, NativeJobResult, NativeLoader, NativeLoaderStats } from '../binding.js';
import { Batch, type BatchField, type SlotOwner } from './batch.js';
import { arrayAt, arrayOf, elementsOf, isNativeDataset, nativeSource, type BatchArray, type NativeDataset } from './dataset.js';
import { BackpressureError, getError, ItemError, TensorLoaderError } from './errors.js';
import { defaultCollate } from './collate.js';
import { IterableDataset, isMapDataset, type MapDataset } from './js-dataset.js';
import { Xoshiro128 } from './prng.js';
import { binding } from './native.js';
import { Progress, progressMode, type ProgressState } from './progress.js';
import { BatchSampler, RandomSampler, SequentialSampler, toSampler, type IndexSource, type Sampler } from './sampler.js';

export interface DataLoaderOptions<T = unknown> {
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
  /** The order of items (exclusive with `shuffle`): a Sampler, an iterable of indices, or a function of the epoch. */
  sampler?: Sampler | IndexSource;
  /** Whole batches (exclusive with batchSize, shuffle, sampler and dropLast). */
  batchSampler?: BatchSampler;
  /** Stops the epoch: the loop rejects with the signal's reason and every slot is freed. */
  signal?: AbortSignal;
  /** Continue from `loader.state()` of an earlier run: exactly the batches that would have come next. */
  resume?: LoaderState;
  /** JS datasets: turns the items of a batch into `batch.data`. Default: defaultCollate. */
  collate?: (items: any[]) => T;
  /** IterableDataset with shuffle: the size of the seeded shuffle buffer. Default 1000. */
  shuffleBuffer?: number;
  /**
   * Per-epoch progress on stderr: a bar with items/s and ETA on a terminal, a line every 2 s
   * otherwise. A function gets every update (after each batch) instead. Default off.
   */
  progress?: boolean | ((p: ProgressState & { epoch: number }) => void);
}

/** A JSON-able position in the stream of batches. */
export interface LoaderState {
  /** The epoch in progress (or the next one, at an epoch boundary). */
  epoch: number;
  /** Batches of that epoch already handed out. */
  batches: number;
  /** The loader's seed, so a resumed loader can check it shuffles the same way. */
  seed: number;
}

export type LoaderStats = NativeLoaderStats;

const SLOT_POLL_MS = 5;

/**
 * The epoch's batches: submitted from the front; with onError 'skip', replacements for failed
 * items are taken from the back (items of batches not yet submitted).
 */
interface Plan {
  batches: Uint32Array[];
  next: number;
}

function takeFromBack(plan: Plan, want: number): Uint32Array {
  const taken: number[] = [];
  while (taken.length < want && plan.batches.length > plan.next) {
    const last = plan.batches[plan.batches.length - 1]!;
    const k = Math.min(want - taken.length, last.length);
    taken.push(...last.subarray(last.length - k));
    if (k === last.length) plan.batches.pop();
    else plan.batches[plan.batches.length - 1] = last.slice(0, last.length - k);
  }
  return Uint32Array.from(taken);
}

const JS_STATS: NativeLoaderStats = Object.freeze({
  slots: 0,
  slotsLeased: 0,
  slotBytes: 0,
  arenaBytes: 0,
  pending: 0,
  threads: 0,
  batchSize: 0,
  closed: false,
  externalBytes: 0,
  fieldOffsets: [],
});

/**
 * Batches from a dataset. Native datasets (text, images) are filled by native threads into a
 * fixed arena; JS datasets (`length` + `get(i)`, or an IterableDataset) are fetched with up to
 * `prefetch` batches of `get` calls in flight and stacked by `collate`.
 */
export class DataLoader<T = Float32Array> implements AsyncIterable<Batch<T>>, AsyncDisposable, SlotOwner {
  readonly dataset: NativeDataset<T & BatchArray> | MapDataset | IterableDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly prefetch: number;
  readonly copy: boolean;
  readonly onError: 'throw' | 'skip';
  readonly slotTimeoutMs: number;
  readonly sampler: Sampler;
  readonly batchSampler: BatchSampler;
  readonly signal: AbortSignal | undefined;
  #native: NativeLoader | undefined;
  #collate: (items: any[]) => unknown;
  #shuffleBuffer: number;
  #position: { epoch: number; batches: number };
  #epoch: number;
  #iterating = false;
  #closed = false;
  #itemSize: number;
  #fieldOffsets: number[] = [];
  #errors: ItemError[] = [];
  #errorCount = 0;
  #maxErrors: number;
  #slotWaiters: Array<() => void> = [];
  #progress: DataLoaderOptions['progress'];

  constructor(dataset: NativeDataset<T & BatchArray> | MapDataset | IterableDataset, options: DataLoaderOptions<T> = {}) {
    const stream = dataset instanceof IterableDataset;
    if (!isNativeDataset(dataset) && !isMapDataset(dataset) && !stream) {
      throw new TensorLoaderError(
        'ERR_INVALID_ARG',
        'DataLoader: the dataset must be a tensorloader dataset, an object with length and get(i), or an IterableDataset',
      );
    }
    if (stream && (options.sampler || options.batchSampler)) throw new RangeError('an IterableDataset has no indices: sampler and batchSampler do not apply');
    this.dataset = dataset;
    this.#collate = options.collate ?? ((items) => defaultCollate(items));
    this.#shuffleBuffer = positiveInt('shuffleBuffer', options.shuffleBuffer ?? 1000);
    if (options.progress !== undefined && typeof options.progress !== 'boolean' && typeof options.progress !== 'function') {
      throw new RangeError('progress must be true, false or a function');
    }
    this.#progress = options.progress;
    if (options.batchSampler && (options.batchSize !== undefined || options.shuffle || options.sampler || options.dropLast)) {
      throw new RangeError('batchSampler is exclusive with batchSize, shuffle, sampler and dropLast');
    }
    if (options.sampler && options.shuffle) throw new RangeError('sampler is exclusive with shuffle');
    this.batchSize = options.batchSampler ? options.batchSampler.batchSize : positiveInt('batchSize', options.batchSize ?? 1);
    this.shuffle = options.shuffle ?? false;
    this.seed = (options.seed ?? Math.floor(Math.random() * 0x100000000)) >>> 0;
    this.dropLast = options.batchSampler ? options.batchSampler.dropLast : (options.dropLast ?? false);
    this.prefetch = positiveInt('prefetch', options.prefetch ?? 2);
    this.copy = options.copy ?? false;
    this.onError = options.onError ?? 'throw';
    if (this.onError !== 'throw' && this.onError !== 'skip') throw new RangeError(`onError must be 'throw' or 'skip', got ${String(this.onError)}`);
    this.#maxErrors = positiveInt('maxErrors', options.maxErrors ?? 1000);
    this.slotTimeoutMs = options.slotTimeoutMs ?? 30_000;
    this.signal = options.signal;
    this.#epoch = options.epoch ?? 0;
    this.#position = { epoch: this.#epoch, batches: 0 };
    if (options.resume) {
      const r = options.resume;
      if (!Number.isInteger(r.epoch) || r.epoch < 0 || !Number.isInteger(r.batches) || r.batches < 0) throw new RangeError('resume: epoch and batches must be non-negative integers');
      if (options.seed !== undefined && (r.seed >>> 0) !== this.seed) throw new RangeError(`resume: the state was made with seed ${r.seed}, this loader has ${this.seed}`);
      this.seed = r.seed >>> 0;
      this.#epoch = r.epoch;
      this.#position = { epoch: r.epoch, batches: r.batches };
    }
    const slots = positiveInt('slots', options.slots ?? this.prefetch + 2);
    const threads = options.threads ?? availableParallelism();
    const size = stream ? 0 : dataset.length;
    this.sampler = options.batchSampler
      ? options.batchSampler.sampler
      : options.sampler
        ? toSampler(options.sampler)
        : this.shuffle
          ? new RandomSampler(size, { seed: this.seed })
          : new SequentialSampler(size);
    this.batchSampler = options.batchSampler ?? new BatchSampler(this.sampler, this.batchSize, this.dropLast);
    if (isNativeDataset(dataset)) {
      this.#itemSize = elementsOf(dataset.itemShape);
      this.#native = new binding.NativeLoader(dataset[nativeSource], { batchSize: this.batchSize, slots, threads });
      this.#fieldOffsets = this.#native.stats().fieldOffsets;
      // Mapped datasets (packed files) tell the kernel how pages will be read.
      const advise = (dataset as { advise?: (pattern: 'sequential' | 'random') => void }).advise;
      advise?.call(dataset, this.sampler instanceof SequentialSampler ? 'sequential' : 'random');
    } else {
      this.#itemSize = 0;
    }
  }

  /** Batches per epoch (with onError 'skip', fewer when items fail). */
  get length(): number {
    if (this.dataset instanceof IterableDataset) throw new TypeError('a loader over an IterableDataset has no length');
    return this.batchSampler.length;
  }

  /** Where the stream of batches stands; pass it as `resume` to continue exactly there. */
  state(): LoaderState {
    return { epoch: this.#position.epoch, batches: this.#position.batches, seed: this.seed };
  }

  /** The epoch the next iteration will run. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Sets the epoch of the next iteration (each iteration then advances it by one). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new RangeError(`epoch must be a non-negative integer, got ${epoch}`);
    this.#epoch = epoch;
    this.#position = { epoch, batches: 0 };
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

  /** Native arena and pool figures (zeros for JS datasets, which have neither). */
  stats(): LoaderStats {
    return this.#native ? this.#native.stats() : { ...JS_STATS, closed: this.#closed };
  }

  /** One epoch of batches, in sampler order (resuming mid-epoch after `resume` or a `break`). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch<T>, void, undefined> {
    if (!this.#progress) {
      yield* this.#epochBatches();
      return;
    }
    const epoch = this.#epoch;
    const report = this.#progress;
    const stream = this.dataset instanceof IterableDataset;
    const items = stream ? 0 : this.dropLast ? Math.floor(this.sampler.length / this.batchSize) * this.batchSize : this.sampler.length;
    const progress = new Progress(`epoch ${epoch}`, items, {
      mode: report === true ? progressMode(false) : 'none',
      onUpdate: typeof report === 'function' ? (p) => report({ ...p, epoch }) : undefined,
    });
    let done = 0;
    try {
      for await (const batch of this.#epochBatches()) {
        done += batch.size;
        progress.update(done, 0);
        yield batch;
      }
      progress.update(done, 0, true);
    } finally {
      progress.stop();
    }
  }

  async *#epochBatches(): AsyncGenerator<Batch<T>, void, undefined> {
    if (this.#closed) throw new TensorLoaderError('ECLOSED', 'the loader is closed');
    if (this.#iterating) {
      throw new TensorLoaderError('EBUSY', 'this loader is already iterating; finish or break that loop first (or create a second loader)');
    }
    this.signal?.throwIfAborted();
    this.#iterating = true;
    const epoch = this.#epoch++;
    // A resumed position (from `resume`) skips the batches already handed out.
    const start = this.#position.epoch === epoch ? this.#position.batches : 0;
    this.#position = { epoch, batches: start };
    if (!this.#native) {
      const { aborted, detach } = abortPromise(this.signal);
      try {
        const source =
          this.dataset instanceof IterableDataset
            ? this.#iterateStream(this.dataset, epoch, start, aborted)
            : this.#iterateMap(this.dataset as MapDataset, epoch, start, aborted);
        for await (const batch of source) {
          this.#position.batches++;
          yield batch;
          this.signal?.throwIfAborted();
        }
        this.#position = { epoch: epoch + 1, batches: 0 };
      } finally {
        detach();
        this.#iterating = false;
      }
      return;
    }
    const native = this.#native;
    const plan: Plan = { batches: this.batchSampler.batches(epoch), next: start };
    const inflight: Array<{ result: Promise<NativeJobResult>; indices: Uint32Array }> = [];
    let current: Batch<T> | undefined;
    let held: NativeJobResult | undefined; // a finished slot not yet handed out
    const { aborted, detach } = abortPromise(this.signal);
    try {
      for (;;) {
        while (plan.next < plan.batches.length && inflight.length < this.prefetch && this.#freeSlots() > 0) {
          const indices = plan.batches[plan.next++]!;
          const result = native.submit(indices, epoch);
          result.catch(() => {}); // observed below; this keeps a close() mid-flight from being "unhandled"
          inflight.push({ result, indices });
        }
        if (inflight.length === 0) {
          if (plan.next >= plan.batches.length) break;
          await this.#waitForSlot();
          continue;
        }
        const job = inflight.shift()!;
        held = await (aborted ? Promise.race([job.result, aborted]) : job.result);
        let rows = held.count;
        let indices = job.indices;
        if (held.failures) {
          if (this.onError === 'throw') throw itemErrorOf(held.failures);
          ({ rows, indices } = await this.#skipFailures(held, indices, plan, epoch));
          if (rows === 0 || (this.dropLast && rows < this.batchSize)) {
            native.release(held.slot, held.generation);
            held = undefined;
            continue;
          }
        }
        current = this.#toBatch(held, rows, indices, epoch, this.#position.batches);
        held = undefined;
        this.#position.batches++;
        yield current;
        if (!current.retained) current.release();
        current = undefined;
        this.signal?.throwIfAborted();
      }
      this.#position = { epoch: epoch + 1, batches: 0 };
    } finally {
      detach();
      if (current && !current.retained) current.release();
      if (held) native.release(held.slot, held.generation);
      // Batches already decoded ahead are not wanted any more: give their slots back now, so
      // an early break, an abort or an error leaves no slot leased.
      for (const job of inflight) {
        try {
          const r = await job.result;
          native.release(r.slot, r.generation);
        } catch {
          // closed mid-flight: nothing to give back
        }
      }
      this.#iterating = false;
    }
  }

  releaseSlot(slot: number, generation: number): void {
    this.#native?.release(slot, generation);
    const waiters = this.#slotWaiters;
    this.#slotWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Stops the pool, frees every slot and the arena. Views of unreleased batches become empty. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native?.close();
    const waiters = this.#slotWaiters;
    this.#slotWaiters = [];
    for (const wake of waiters) wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  // A JS map dataset: up to `prefetch` batches of get() calls in flight, handed out in order.
  async *#iterateMap(ds: MapDataset, epoch: number, start: number, aborted: Promise<never> | undefined): AsyncGenerator<Batch<T>> {
    type Got = { ok: true; value: unknown } | { ok: false; error: unknown };
    const fetch = (indices: Uint32Array): Promise<Got[]> =>
      Promise.all(
        Array.from(indices, (i) =>
          Promise.resolve()
            .then(() => ds.get(i))
            .then(
              (value): Got => ({ ok: true, value }),
              (error): Got => ({ ok: false, error }),
            ),
        ),
      );
    const plan: Plan = { batches: this.batchSampler.batches(epoch), next: start };
    const inflight: Array<{ indices: Uint32Array; items: Promise<Got[]> }> = [];
    let number = start;
    for (;;) {
      while (plan.next < plan.batches.length && inflight.length < this.prefetch) {
        const indices = plan.batches[plan.next++]!;
        inflight.push({ indices, items: fetch(indices) });
      }
      const job = inflight.shift();
      if (!job) return;
      let got = await (aborted ? Promise.race([job.items, aborted]) : job.items);
      let indices = Array.from(job.indices);
      for (;;) {
        const bad = got.flatMap((g, p) => (g.ok ? [] : [getError(indices[p]!, (g as { error: unknown }).error)]));
        if (bad.length === 0) break;
        if (this.onError === 'throw') {
          const first = bad[0]!;
          if (bad.length > 1) {
            Object.defineProperty(first, 'failures', { value: bad, enumerable: true });
            first.message += ` (and ${bad.length - 1} more failed item${bad.length > 2 ? 's' : ''} in this batch)`;
          }
          throw first;
        }
        for (const e of bad) this.#keep(e);
        const good = got.map((g, p) => [g, indices[p]!] as const).filter(([g]) => g.ok);
        const extra = takeFromBack(plan, this.batchSize - good.length);
        const more = extra.length ? await fetch(extra) : [];
        got = [...good.map(([g]) => g), ...more];
        indices = [...good.map(([, i]) => i), ...extra];
      }
      if (got.length === 0 || (this.dropLast && got.length < this.batchSize)) continue;
      const values = got.map((g) => (g as { value: unknown }).value);
      yield new Batch<T>({ data: this.#collated(values, epoch, number), shape: [values.length], indices: Uint32Array.from(indices), epoch, number });
      number++;
    }
  }

  // An IterableDataset: batches in stream order, or through a seeded shuffle buffer.
  async *#iterateStream(ds: IterableDataset, epoch: number, start: number, aborted: Promise<never> | undefined): AsyncGenerator<Batch<T>> {
    const rng = new Xoshiro128(this.seed, epoch);
    const size = this.shuffle ? this.#shuffleBuffer : 0;
    const buffer: Array<[number, unknown]> = [];
    let batch: Array<[number, unknown]> = [];
    let number = 0;
    let seq = 0;
    const self = this;
    function* push(entry: [number, unknown]): Generator<Batch<T>> {
      batch.push(entry);
      if (batch.length === self.batchSize) yield* flush();
    }
    function* flush(): Generator<Batch<T>> {
      const items = batch;
      batch = [];
      if (items.length === 0 || (self.dropLast && items.length < self.batchSize)) return;
      if (number++ < start) return; // resumed: these were handed out before
      const values = items.map((e) => e[1]);
      yield new Batch<T>({ data: self.#collated(values, epoch, number - 1), shape: [values.length], indices: Uint32Array.from(items, (e) => e[0]), epoch, number: number - 1 });
    }
    const iterator = (async function* () {
      yield* ds.source(epoch);
    })();
    try {
      for (;;) {
        const next = await (aborted ? Promise.race([iterator.next(), aborted]) : iterator.next());
        if (next.done) break;
        const entry: [number, unknown] = [seq++, next.value];
        if (size <= 1) {
          yield* push(entry);
        } else if (buffer.length < size) {
          buffer.push(entry);
        } else {
          const j = rng.below(size);
          const out = buffer[j]!;
          buffer[j] = entry;
          yield* push(out);
        }
      }
      while (buffer.length > 0) {
        const j = rng.below(buffer.length);
        const out = buffer[j]!;
        buffer[j] = buffer[buffer.length - 1]!;
        buffer.pop();
        yield* push(out);
      }
      yield* flush();
    } finally {
      await iterator.return?.(undefined);
    }
  }

  #collated(values: unknown[], epoch: number, number: number): T {
    try {
      return this.#collate(values) as T;
    } catch (e) {
      throw new TensorLoaderError('ECOLLATE', `collate failed for batch ${number} of epoch ${epoch}: ${(e as Error).message}`, { cause: e });
    }
  }

  #keep(error: ItemError): void {
    this.#errorCount++;
    this.#errors.push(error);
    if (this.#errors.length > this.#maxErrors) this.#errors.shift();
  }

  #freeSlots(): number {
    if (this.#native) return this.#native.freeSlots();
    const s = this.stats();
    return s.slots - s.slotsLeased;
  }

  #record(failures: NativeFailure[]): void {
    for (const f of failures) this.#keep(new ItemError(f));
  }

  // Drops the failed rows of a finished job and tops the batch up with items taken from the
  // back of the epoch's plan (never from batches already submitted), until it is full or the
  // epoch has no items left.
  async #skipFailures(job: NativeJobResult, indices: Uint32Array, plan: Plan, epoch: number): Promise<{ rows: number; indices: Uint32Array }> {
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
      this.#native!.compact(job.slot, job.generation, Uint32Array.from(keepRows));
      rows = keepRows.length;
      const extra = takeFromBack(plan, this.batchSize - rows);
      if (extra.length === 0) break;
      const refill = await this.#native!.refill(job.slot, job.generation, rows, extra, epoch);
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
    const shape = [rows, ...(this.dataset as NativeDataset).itemShape];
    const native = this.#native!;
    const buffer = native.handOut(job.slot, job.generation, rows);
    const dataset = this.dataset as NativeDataset;
    let fields: Record<string, BatchField<BatchArray>> | undefined;
    let view: BatchArray;
    if (dataset.fields) {
      fields = {};
      for (const [f, spec] of dataset.fields.entries()) {
        let data = arrayAt(spec.dtype, buffer, this.#fieldOffsets[f]!, rows * elementsOf(spec.shape));
        if (this.copy) data = data.slice();
        fields[spec.name] = { data, shape: [rows, ...spec.shape] };
      }
      view = fields[dataset.fields[0]!.name]!.data;
    } else {
      view = arrayOf(dataset.dtype, buffer, rows * this.#itemSize);
      if (this.copy) view = view.slice();
    }
    const all = dataset.labels;
    const labelField = fields?.[dataset.labelField ?? 'label'];
    const labels = all
      ? Int32Array.from(indices, (i) => all[i]!)
      : labelField?.data instanceof Int32Array && labelField.shape.length === 1
        ? labelField.data
        : undefined;
    const data = view as unknown as T;
    if (this.copy) {
      native.release(job.slot, job.generation);
      return new Batch<T>({ data, fields, shape, indices, labels, epoch, number });
    }
    return new Batch<T>({ data, fields, shape, indices, labels, epoch, number, lease: { owner: this, slot: job.slot, generation: job.generation } });
  }

  // Slots come back through release() (which wakes us) or through a finalizer after GC (which
  // does not), so we also poll.
  async #waitForSlot(): Promise<void> {
    const deadline = Date.now() + this.slotTimeoutMs;
    while (this.#freeSlots() === 0) {
      if (this.#closed) throw new TensorLoaderError('ECLOSED', 'the loader was closed');
      this.signal?.throwIfAborted();
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
        this.#slotWaiters.push(done);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }
}

// A promise that rejects when `signal` aborts, and a way to stop listening (a long-lived signal
// must not collect one listener per epoch).
function abortPromise(signal: AbortSignal | undefined): { aborted: Promise<never> | undefined; detach: () => void } {
  if (!signal) return { aborted: undefined, detach: () => {} };
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  return { aborted, detach: () => signal.removeEventListener('abort', onAbort) };
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
