// The DataLoader: its configuration and where the stream of batches stands (epoch, batches
// handed out, skipped items). The batches themselves come from an engine chosen by the
// dataset: native (src/loader/native-engine.ts: the pool fills a fixed arena of `slots`
// batch slots, never more), map-style JS (map-engine.ts) or iterable (stream-engine.ts).
import { availableParallelism } from 'node:os';
import type { Batch, SlotOwner } from './batch.js';
import { defaultCollate } from './collate.js';
import { isNativeDataset, type BatchArray, type FieldArrays, type NativeDataset } from './dataset.js';
import { ErrorLog } from './error-log.js';
import { TensorLoaderError, type ItemError } from './errors.js';
import { IterableDataset, isMapDataset, type MapDataset } from './js-dataset.js';
import { abortPromise } from './loader/abort.js';
import type { Engine, EngineConfig } from './loader/engine.js';
import { MapEngine } from './loader/map-engine.js';
import { NativeEngine } from './loader/native-engine.js';
import { slotBytesOf } from './loader/memory-budget.js';
import { checkLoaderOptions } from './loader/options.js';
import { DEFAULT_PREFETCH, MeasuredDepth, defaultSlots, fixedDepth, type PrefetchDepth } from './loader/prefetch-depth.js';
import { StreamEngine } from './loader/stream-engine.js';
import { WaitClock } from './loader/wait-clock.js';
import { Progress, progressMode, type ProgressState } from './progress.js';
import { BatchSampler, RandomSampler, SequentialSampler, toSampler, type IndexSource, type Sampler } from './sampler.js';
import { JS_LOADER_STATS, type LoaderStats } from './stats.js';
import { booleanOption, count, epoch as epochOption, onErrorOption, positiveInt, timeoutMs, type OnError } from './validate.js';

export interface DataLoaderOptions<T = unknown> {
  /** Items per batch. Default 1. */
  batchSize?: number;
  /** A new random order every epoch, fixed by (seed, epoch). Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle (and of seeded augmentation). Default: random per loader. */
  seed?: number;
  /** Drop the last batch of an epoch when it is smaller than batchSize. Default false. */
  dropLast?: boolean;
  /**
   * Batches decoded ahead of the one being used. Default 2; native datasets, when neither this
   * nor `slots` is set, keep up to 8 ahead while batches fill in under a millisecond (measured
   * as they come), in slots that stay within 16 MiB.
   */
  prefetch?: number;
  /** Native threads filling batches. Default: available cores. */
  threads?: number;
  /** Batch slots in the arena (memory = slots × batch bytes). Default prefetch + 2 (see prefetch). */
  slots?: number;
  /**
   * Native datasets: the memory this loader may use, in bytes: its arena (slots × batch bytes)
   * plus what its threads decode at once. A loader whose arena alone is over it is refused
   * (ETOOLARGE); what is left, divided by `threads`, caps each item's decode (with the
   * dataset's own `maxItemBytes`, whichever is smaller), so peak decode memory does not grow
   * with the thread count. Default 4 GiB.
   */
  memoryBudget?: number;
  /**
   * Native datasets: whether the pool times each stage of its items (stats().stageMs). The
   * clock costs about 1% of the pool's time on small images and less on larger items; false
   * leaves stageMs at zero (the waits are timed either way). Default true.
   */
  stageTimes?: boolean;
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
  onError?: OnError;
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

export type { LoaderStats } from './stats.js';

/**
 * Batches from a dataset. Native datasets (text, images) are filled by native threads into a
 * fixed arena; JS datasets (`length` + `get(i)`, or an IterableDataset) are fetched with up to
 * `prefetch` batches of `get` calls in flight and stacked by `collate`.
 *
 * The batch type follows the dataset's: T its array (or what collate returns), F its fields by
 * name, L its labels (Int32Array on labelled datasets).
 */
export class DataLoader<T = Float32Array, F extends FieldArrays = FieldArrays, L extends Int32Array | undefined = Int32Array | undefined>
  implements AsyncIterable<Batch<T, F, L>>, AsyncDisposable, SlotOwner
{
  readonly dataset: NativeDataset<T & BatchArray, F, L> | MapDataset | IterableDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  /** The most batches kept in flight (see DataLoaderOptions.prefetch). */
  readonly prefetch: number;
  readonly copy: boolean;
  readonly onError: OnError;
  readonly slotTimeoutMs: number;
  readonly sampler: Sampler;
  readonly batchSampler: BatchSampler;
  readonly signal: AbortSignal | undefined;
  readonly #engine: Engine<T>;
  readonly #native: NativeEngine<T> | undefined;
  readonly #errors: ErrorLog;
  #position: { epoch: number; batches: number };
  #epoch: number;
  #iterating = false;
  #closed = false;
  #progress: DataLoaderOptions['progress'];
  readonly #clock = new WaitClock();

  constructor(dataset: NativeDataset<T & BatchArray, F, L> | MapDataset | IterableDataset, options: DataLoaderOptions<T> = {}) {
    const stream = dataset instanceof IterableDataset;
    if (!isNativeDataset(dataset) && !isMapDataset(dataset) && !stream) {
      throw new TensorLoaderError(
        'ERR_INVALID_ARG',
        'DataLoader: the dataset must be a tensorloader dataset, an object with length and get(i), or an IterableDataset',
      );
    }
    if (stream && (options.sampler || options.batchSampler)) throw new RangeError('an IterableDataset has no indices: sampler and batchSampler do not apply');
    checkLoaderOptions(options, isNativeDataset(dataset) ? 'native' : stream ? 'stream' : 'map');
    this.dataset = dataset;
    const shuffleBuffer = positiveInt('shuffleBuffer', options.shuffleBuffer ?? 1000);
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
    this.onError = onErrorOption(options.onError);
    this.#errors = new ErrorLog(positiveInt('maxErrors', options.maxErrors ?? 1000), 'recent');
    this.slotTimeoutMs = timeoutMs('slotTimeoutMs', options.slotTimeoutMs ?? 30_000);
    this.signal = options.signal;
    this.#epoch = epochOption(options.epoch ?? 0);
    this.#position = { epoch: this.#epoch, batches: 0 };
    if (options.resume) {
      const r = options.resume;
      if (!Number.isInteger(r.epoch) || r.epoch < 0 || !Number.isInteger(r.batches) || r.batches < 0) throw new RangeError('resume: epoch and batches must be non-negative integers');
      if (options.seed !== undefined && (r.seed >>> 0) !== this.seed) throw new RangeError(`resume: the state was made with seed ${r.seed}, this loader has ${this.seed}`);
      this.seed = r.seed >>> 0;
      this.#epoch = r.epoch;
      this.#position = { epoch: r.epoch, batches: r.batches };
    }
    // Native datasets with neither prefetch nor slots set: the depth follows the batches'
    // measured fill time (src/loader/prefetch-depth.ts), within slots sized for it.
    const measured = options.prefetch === undefined && isNativeDataset(dataset);
    const quick = measured && options.slots === undefined ? defaultSlots(slotBytesOf(dataset as NativeDataset, this.batchSize)) : undefined;
    const slots = positiveInt('slots', options.slots ?? quick?.slots ?? this.prefetch + 2);
    const deep = quick?.deep ?? Math.max(DEFAULT_PREFETCH, slots - 2);
    const depth: PrefetchDepth = measured ? new MeasuredDepth(deep) : fixedDepth(this.prefetch);
    if (measured) this.prefetch = deep;
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
    const config: EngineConfig = {
      batchSize: this.batchSize,
      dropLast: this.dropLast,
      prefetch: this.prefetch,
      onError: this.onError,
      errors: this.#errors,
      batchSampler: this.batchSampler,
      seed: this.seed,
      shuffle: this.shuffle,
      shuffleBuffer,
      copy: this.copy,
      collate: options.collate ?? ((items) => defaultCollate(items)),
    };
    if (isNativeDataset(dataset)) {
      this.#native = new NativeEngine<T>(dataset, config, { slots, threads, slotTimeoutMs: this.slotTimeoutMs, memoryBudget: options.memoryBudget, stageTimes: booleanOption('stageTimes', options.stageTimes ?? true), signal: this.signal, depth });
      this.#engine = this.#native;
      // Mapped datasets (packed files) tell the kernel how pages will be read.
      const advise = (dataset as { advise?: (pattern: 'sequential' | 'random') => void }).advise;
      advise?.call(dataset, this.sampler instanceof SequentialSampler ? 'sequential' : 'random');
    } else {
      this.#engine = stream ? new StreamEngine<T>(dataset, config) : new MapEngine<T>(dataset as MapDataset, config);
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
    count('epoch', epoch);
    this.#epoch = epoch;
    this.#position = { epoch, batches: 0 };
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Items skipped with onError 'skip' (the most recent `maxErrors`). */
  get errors(): readonly ItemError[] {
    return this.#errors.entries;
  }

  /** All items skipped so far, including those no longer kept in `errors`. */
  get errorCount(): number {
    return this.#errors.count;
  }

  /**
   * The arena and pool (zeros for JS datasets, which have neither), where the pool's time went
   * (stageMs, summed over its threads) and whether the loop waited for data (dataWaitMs) or the
   * pool for the loop (slotWaitMs). Times add up over every epoch since the loader was made or
   * since resetStats(); formatStats() gives them as one line.
   */
  stats(): LoaderStats {
    const arena = this.#native ? this.#native.pump.stats() : { ...JS_LOADER_STATS, closed: this.#closed };
    return { ...arena, ...this.#clock.times(), prefetchDepth: this.#native ? this.#native.depth : this.prefetch };
  }

  /** Starts the times and counts of stats() from zero (e.g. to measure one epoch). */
  resetStats(): void {
    this.#native?.pump.resetTimes();
    this.#clock.reset();
  }

  /** One epoch of batches, in sampler order (resuming mid-epoch after `resume` or a `break`). */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch<T, F, L>, void, undefined> {
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

  async *#epochBatches(): AsyncGenerator<Batch<T, F, L>, void, undefined> {
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
    const { aborted, detach } = abortPromise(this.signal);
    const clock = this.#clock;
    clock.asked();
    try {
      for await (const batch of this.#engine.batches(epoch, start, aborted)) {
        this.#position.batches++;
        clock.ready();
        // The engines build batches from the dataset's run-time field list; F and L are its types.
        yield batch as unknown as Batch<T, F, L>;
        clock.asked();
        this.signal?.throwIfAborted();
      }
      this.#position = { epoch: epoch + 1, batches: 0 };
    } finally {
      clock.stopped();
      detach();
      this.#iterating = false;
    }
  }

  releaseSlot(slot: number, generation: number): void {
    this.#native?.pump.releaseSlot(slot, generation);
  }

  /** Stops the pool, frees every slot and the arena. Views of unreleased batches become empty. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native?.pump.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
