// The leak audit: runs a loader, a dataset or a function for a number of epochs and records,
// per epoch (after a GC when --expose-gc allows) and every `sampleEvery` batches, the resources
// a data pipeline can leak; then fits the growth of each series after warm-up.
import { DataLoader } from '../loader.js';
import { isNativeDataset, type NativeDataset } from '../dataset.js';
import { isMapDataset, type MapDataset } from '../js-dataset.js';
import { memorySnapshot } from '../memory.js';
import type { LoaderStats } from '../stats.js';
import { fitGrowth, grew, SERIES, type SeriesInfo, type SeriesName } from './series.js';
import { timingBetween, type AuditTiming } from './timing.js';

/** One epoch's work: returns how many items it read (for items/s), or nothing. */
export type EpochFn = (epoch: number) => Promise<number | void> | number | void;
export type AuditTarget = DataLoader<any> | NativeDataset<any> | MapDataset | EpochFn;

export interface AuditOptions {
  /** Epochs measured, warm-up included. Default 20. */
  epochs?: number;
  /** Epochs left out of the verdict (JIT, allocator and cache warm-up). Default 2. */
  warmupEpochs?: number;
  /** Also sample every N batches within an epoch (loaders and datasets). Default 0: per epoch only. */
  sampleEvery?: number;
  /**
   * Growth per epoch above which a series counts as leaking (see SERIES for the defaults; a
   * user series defaults to 0.5 per epoch). A threshold for `rss` also applies to `rssAnon`
   * unless that has its own: it is the resident-memory threshold.
   */
  thresholds?: Partial<Record<SeriesName, number>> & Record<string, number>;
  /**
   * Series of your own, read after every epoch (and every sampleEvery batches), judged like the
   * built-in ones and shown in the report and the chart:
   * `{ tfTensors: () => tf.memory().numTensors }`.
   */
  series?: Record<string, () => number>;
  /** Called after every epoch, for progress display. */
  onEpoch?: (epoch: number, sample: Sample) => void;
  /** Batch size used when the target is a dataset. Default 32. */
  batchSize?: number;
}

export type Sample = Record<SeriesName, number> & Record<string, number> & { epoch: number; step: number };

export interface SeriesVerdict {
  /** A built-in series (SeriesName) or one of `options.series`. */
  name: SeriesName | (string & {});
  title: string;
  unit: string;
  /** Growth per epoch after warm-up (least squares). */
  slopePerEpoch: number;
  /** Last minus first epoch after warm-up. */
  delta: number;
  threshold: number;
  judged: boolean;
  grew: boolean;
}

export interface AuditReport {
  epochs: number;
  warmupEpochs: number;
  /** 'forced' when gc() ran between epochs; 'unavailable' when node lacked --expose-gc. */
  gc: 'forced' | 'unavailable';
  /** One sample per epoch, taken at its end. */
  perEpoch: Sample[];
  /** Samples within epochs (sampleEvery), for finer charts. */
  steps: Sample[];
  series: SeriesVerdict[];
  leaks: boolean;
  /** Names of the series that grew. */
  grew: Array<SeriesName | (string & {})>;
  /** Loaders and datasets: where the loader's time went over the measured epochs (loader.stats()). */
  timing?: AuditTiming;
}

type UserSeries = ReadonlyArray<readonly [string, () => number]>;

function sample(epoch: number, step: number, itemsPerSec: number, user: UserSeries): Sample {
  const m = memorySnapshot();
  const own: Record<string, number> = {};
  for (const [name, read] of user) {
    const v = read();
    own[name] = typeof v === 'number' ? v : NaN;
  }
  return {
    ...own,
    epoch,
    step,
    rss: m.rss,
    rssAnon: m.rssAnon ?? NaN,
    rssFile: m.rssFile ?? NaN,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    fds: m.fds ?? NaN,
    arenaBytes: m.native.arenaBytes,
    liveMappings: m.native.liveMappings,
    slotsLeased: m.native.slotsLeased,
    itemsPerSec,
  };
}

async function settle(): Promise<boolean> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  // Finalizers of collected ArrayBuffers run from an immediate after the collection.
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return true;
}

// The user's series, checked against the built-in names, and the thresholds against both.
function userSeries(options: AuditOptions): UserSeries {
  const user: UserSeries = Object.entries(options.series ?? {});
  for (const [name, read] of user) {
    if (name in SERIES || name === 'epoch' || name === 'step') throw new RangeError(`series '${name}' is a built-in name; choose another`);
    if (typeof read !== 'function') throw new TypeError(`series '${name}' must be a function returning a number`);
  }
  for (const name of Object.keys(options.thresholds ?? {})) {
    if (!(name in SERIES) && !user.some(([n]) => n === name)) throw new RangeError(`thresholds: no series named '${name}'`);
    if (name in SERIES && !SERIES[name as SeriesName].judged) throw new RangeError(`thresholds: '${name}' is reported, never judged`);
  }

  return user;
}

// Each series over the measured epochs: its fitted growth and whether that is a leak. The
// memory verdict is on the anonymous part where it is known; rss is reported beside it.
function verdicts(measured: Sample[], user: UserSeries, thresholds: AuditOptions['thresholds']): SeriesVerdict[] {
  const split = measured.every((s) => Number.isFinite(s.rssAnon));
  const rssThreshold = thresholds?.rss;
  const infos: Array<[string, SeriesInfo]> = [
    ...(Object.entries(SERIES) as Array<[SeriesName, SeriesInfo]>).map(([name, info]): [string, SeriesInfo] => {
      if (name === 'rss') return [name, { ...info, judged: !split }];
      if (name === 'rssAnon') return [name, { ...info, judged: split, threshold: rssThreshold ?? info.threshold }];
      return [name, info];
    }),
    ...user.map(([name]): [string, SeriesInfo] => [name, { title: name, unit: '', threshold: 0.5, judged: true }]),
  ];
  return infos.map(([name, info]) => {
    const points = measured.map((s) => [s.epoch, s[name]!] as const).filter((p) => Number.isFinite(p[1]));
    const fit = fitGrowth(points);
    const threshold = thresholds?.[name] ?? info.threshold;
    return {
      name,
      title: info.title,
      unit: info.unit,
      slopePerEpoch: fit.slope,
      delta: fit.delta,
      threshold,
      judged: info.judged,
      grew: info.judged && grew(fit, points.length, threshold),
    };
  });
}

export async function audit(target: AuditTarget, options: AuditOptions = {}): Promise<AuditReport> {
  const epochs = options.epochs ?? 20;
  const warmup = options.warmupEpochs ?? 2;
  const every = options.sampleEvery ?? 0;
  if (!Number.isInteger(epochs) || epochs < 2) throw new RangeError('epochs must be an integer >= 2');
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > epochs - 2) throw new RangeError('warmupEpochs must leave at least 2 measured epochs');
  const user = userSeries(options);

  let owned: DataLoader<any> | undefined;
  let run: EpochFn;
  const steps: Sample[] = [];
  let loader: DataLoader<any> | undefined;
  if (target instanceof DataLoader) loader = target;
  else if (typeof target !== 'function' && (isNativeDataset(target) || isMapDataset(target))) {
    loader = owned = new DataLoader(target as NativeDataset<any>, { batchSize: options.batchSize ?? 32 });
  }
  if (loader) {
    const l = loader;
    run = async (epoch) => {
      let items = 0;
      let batches = 0;
      const t0 = performance.now();
      for await (const batch of l) {
        items += batch.size;
        if (every > 0 && ++batches % every === 0) steps.push(sample(epoch, batches, (items / (performance.now() - t0)) * 1000, user));
      }
      return items;
    };
  } else {
    run = target as EpochFn;
  }

  const perEpoch: Sample[] = [];
  let forced = true;
  let timingStart: LoaderStats | undefined;
  let timing: AuditTiming | undefined;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (epoch === warmup) timingStart = loader?.stats();
      const t0 = performance.now();
      const items = (await run(epoch)) ?? 0;
      const seconds = (performance.now() - t0) / 1000;
      forced = (await settle()) && forced;
      const s = sample(epoch, -1, items > 0 ? items / seconds : NaN, user);
      perEpoch.push(s);
      options.onEpoch?.(epoch, s);
    }
    if (loader && timingStart) timing = timingBetween(timingStart, loader.stats());
  } finally {
    owned?.close();
  }

  const series = verdicts(perEpoch.slice(warmup), user, options.thresholds);
  const grown = series.filter((s) => s.grew).map((s) => s.name);
  return { epochs, warmupEpochs: warmup, gc: forced ? 'forced' : 'unavailable', perEpoch, steps, series, leaks: grown.length > 0, grew: grown, ...(timing ? { timing } : {}) };
}
