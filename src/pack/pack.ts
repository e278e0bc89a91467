// pack(): a dataset, preprocessed once, into one packed file or numbered shards (format:
// native/core/packed_format.h). Native datasets are read by the native pool in row groups
// while the JS thread writes the previous group; JS datasets are read through get(i). Every
// shard is written to an unnamed temporary file and renamed into place only when all of them
// are complete and fsynced, so an interrupted pack leaves the previous output or nothing.
import { readdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { NativePackWriter } from '../../binding.js';
import { arrayOf, BYTES, elementsOf, isNativeDataset, type NativeDataset } from '../dataset.js';
import { ErrorLog } from '../error-log.js';
import { ItemError, TensorLoaderError, getError } from '../errors.js';
import { isMapDataset, type MapDataset } from '../js-dataset.js';
import { BatchPump, slotFields } from '../loader/batch-pump.js';
import { RangePlan } from '../loader/plan.js';
import { binding } from '../native.js';
import { knownOptions, onErrorOption, positiveInt, type OnError } from '../validate.js';
import type { PackMeta } from './meta.js';
import { Progress, progressMode, type ProgressState } from '../progress.js';
import { fixedDepth } from '../loader/prefetch-depth.js';
import { checkClasses, itemValues, jsSchema, nativeSchema, rowBytes, writeRow, type StoredField } from './schema.js';

export interface PackOptions {
  /** Image datasets: store each file's bytes as found (smallest; decoded when read) instead of the pipeline's output (fastest). */
  encoded?: boolean;
  /** Records per shard: more records are split into `<name>-00000-of-00003<ext>` files. Default: one file. */
  shardSize?: number;
  /** Records per row group (read and written together). Default: about 4 MiB of records, 16 to 1024. */
  groupSize?: number;
  /** A bad item: 'throw' (default) stops the pack with an ItemError and writes nothing; 'skip' leaves it out and records it. */
  onError?: OnError;
  /** Progress on stderr: a bar on a terminal, a line every 2 s otherwise. Default false; a function gets every update instead. */
  progress?: boolean | ((p: ProgressState) => void);
  /** Pool threads for native datasets. Default: one per core. */
  threads?: number;
  /** Stops the pack (nothing is written) when aborted. */
  signal?: AbortSignal;
  /**
   * JS datasets: the item key holding the class label (an integer number, stored as int32; it
   * fills batch.labels when the file is read). Default 'label' when items have that key.
   */
  labelField?: string;
  /** Class names by label, stored in the file (PackedDataset.classes); every label must be below their count. */
  classes?: readonly string[];
}

export interface PackResult {
  /** The files written, in shard order. */
  paths: string[];
  records: number;
  bytes: number;
  fields: StoredField[];
  /** Items left out with onError 'skip' (the first 1000; `skippedCount` counts them all). */
  skipped: ItemError[];
  skippedCount: number;
  seconds: number;
}

/** Shard file names for `out`: itself when there is one shard. */
export function shardPaths(out: string, count: number): string[] {
  if (count === 1) return [out];
  const ext = extname(out);
  const stem = out.slice(0, out.length - ext.length);
  const pad = (n: number) => String(n).padStart(5, '0');
  return Array.from({ length: count }, (_, i) => `${stem}-${pad(i)}-of-${pad(count)}${ext}`);
}

// 64-bit FNV-1a over a string: the set id, from what the shards hold.
function fnv64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

class ShardSet {
  readonly writers: NativePackWriter[] = [];
  readonly directory: string;
  records = 0;

  constructor(
    readonly out: string,
    readonly fields: StoredField[],
    readonly meta: PackMeta,
    readonly shardSize: number,
  ) {
    this.directory = dirname(out);
  }

  #writer(): NativePackWriter {
    const last = this.writers[this.writers.length - 1];
    if (last && last.records < this.shardSize) return last;
    let w: NativePackWriter;
    try {
      w = new binding.NativePackWriter(this.directory, this.fields, JSON.stringify(this.meta));
    } catch (e) {
      throw asError(e, `cannot write in ${this.directory}`);
    }
    this.writers.push(w);
    return w;
  }

  /** Appends n records; columns[f] is n raw values or n paths. */
  write(n: number, columns: Array<ArrayBufferView | string[]>): void {
    let at = 0;
    while (at < n) {
      const w = this.#writer();
      const take = Math.min(n - at, this.shardSize - w.records);
      const part = columns.map((c, f) => {
        if (Array.isArray(c)) return c.slice(at, at + take);
        const rb = rowBytes(this.fields[f]!);
        return new Uint8Array(c.buffer, c.byteOffset + at * rb, take * rb);
      });
      try {
        w.writeGroup(take, part);
      } catch (e) {
        throw asError(e, 'cannot write the packed file');
      }
      at += take;
      this.records += take;
    }
  }

  bytes(): number {
    return this.writers.reduce((a, w) => a + w.bytes, 0);
  }

  /** Commits every shard, then renames them all into place; returns their paths. */
  finish(): string[] {
    if (this.writers.length === 0) this.#writer();  // an empty dataset still makes a valid file
    const count = this.writers.length;
    const paths = shardPaths(this.out, count);
    const setId = fnv64(JSON.stringify([this.fields, this.meta, this.writers.map((w) => [w.records, w.contentCrc])]));
    let first = 0;
    this.writers.forEach((w, i) => {
      w.commit(setId, first, this.records, i, count);
      first += w.records;
    });
    this.writers.forEach((w, i) => w.publish(paths[i]!));
    removeStaleShards(this.out, paths);
    return paths;
  }

  discard(): void {
    for (const w of this.writers) w.discard();
  }
}

// Shards of an earlier pack to the same name (another shard count) would mix with the new set.
function removeStaleShards(out: string, keep: string[]): void {
  const ext = extname(out);
  const stem = basename(out, ext);
  const re = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{5}-of-\\d{5}${ext.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const dir = dirname(out);
  const kept = new Set(keep.map((p) => basename(p)));
  for (const name of readdirSync(dir)) {
    if (re.test(name) && !kept.has(name)) rmSync(join(dir, name), { force: true });
  }
  if (keep.length > 1) rmSync(out, { force: true });
}

function asError(e: unknown, context: string): TensorLoaderError {
  if (e instanceof TensorLoaderError) return e;
  const err = e as Error & { code?: string };
  return new TensorLoaderError(err.code ?? 'EIO', `${context}: ${err.message}`, { cause: e });
}

function defaultGroup(bytesPerItem: number): number {
  return Math.max(16, Math.min(1024, Math.ceil((4 << 20) / Math.max(1, bytesPerItem))));
}

/**
 * Packs `source` into `out` (one file, or shards with `shardSize`). Sources: the image datasets
 * (the pipeline's output, or with `encoded` the files as found, checked to decode), a
 * TextTensorDataset, an NpyDataset (one array or paired fields), another PackedDataset, or any
 * JS dataset with `length` and `get(i)` whose items are typed arrays, numbers, `{ data, shape }`
 * tensors or objects of those. The same source and options give byte-identical output.
 */
export async function pack(source: NativeDataset | MapDataset, out: string, options: PackOptions = {}): Promise<PackResult> {
  const start = performance.now();
  knownOptions('pack', options, ['encoded', 'shardSize', 'groupSize', 'onError', 'progress', 'threads', 'signal', 'labelField', 'classes']);
  const target = resolve(out);
  const onError = onErrorOption(options.onError);
  const shardSize = positiveInt('shardSize', options.shardSize ?? 0xffffffff);
  if (options.groupSize !== undefined) positiveInt('groupSize', options.groupSize);
  // Skipped items: all counted, the first 1000 kept, so a source of bad files cannot grow memory.
  const skipped = new ErrorLog(1000, 'first');
  const mode = options.progress === true ? progressMode(false) : 'none';
  const onUpdate = typeof options.progress === 'function' ? options.progress : undefined;
  const progress = new Progress(`pack ${basename(target)}`, source.length, { mode, onUpdate });
  options.signal?.throwIfAborted();

  const run: PackRun = { out: target, options, shardSize, onError, skipped, progress };
  let set: ShardSet | undefined;
  try {
    if (isNativeDataset(source)) {
      set = await packNative(source, run);
    } else if (isMapDataset(source)) {
      set = await packJs(source, run);
    } else {
      throw new TensorLoaderError('ERR_INVALID_ARG', 'pack: the source must be a tensorloader dataset or an object with length and get(i)');
    }
    options.signal?.throwIfAborted();
    const paths = set.finish();
    const bytes = set.bytes();
    progress.update(set.records, bytes, true);
    return { paths, records: set.records, bytes, fields: set.fields, skipped: [...skipped.entries], skippedCount: skipped.count, seconds: (performance.now() - start) / 1000 };
  } catch (e) {
    set?.discard();
    throw e;
  } finally {
    progress.stop();
  }
}

/** What both readers of a pack share: where to write, the options, and where to report. */
interface PackRun {
  out: string;
  options: PackOptions;
  shardSize: number;
  onError: OnError;
  skipped: ErrorLog;
  progress: Progress;
}

// The native pool reads row groups (in order, `inFlight` ahead) while this thread writes the
// previous one; a failed item is left out (skip) or stops the pack (throw).
async function packNative(dataset: NativeDataset, { out, options, shardSize, onError, skipped, progress }: PackRun): Promise<ShardSet> {
  if (options.labelField !== undefined) throw new TensorLoaderError('ERR_INVALID_ARG', 'labelField: applies to JS datasets; a native dataset says its labels itself');
  const { fields, meta, files } = nativeSchema(dataset, options.encoded ?? false);
  if (options.classes !== undefined) {
    if (!dataset.labels && !meta.fields.label) throw new TensorLoaderError('ERR_INVALID_ARG', 'classes: this dataset has no labels to name');
    meta.classes = checkClasses(options.classes, dataset.labels);
  }
  const set = new ShardSet(out, fields, meta, shardSize);
  const itemBytes = slotFields(dataset).reduce((a, f) => a + elementsOf(f.shape) * BYTES[f.dtype], 0);
  const group = options.groupSize ?? defaultGroup(itemBytes);
  const pump = new BatchPump(dataset, { batchSize: group, slots: 4, threads: options.threads ?? availableParallelism(), slotTimeoutMs: 30_000 });
  const labels = dataset.labels;
  const plan = new RangePlan(dataset.length, group);
  let done = 0;
  try {
    for await (const batch of pump.run(plan, { epoch: 0, depth: fixedDepth(3), onError, errors: skipped, minRows: 0, signal: options.signal })) {
      try {
        options.signal?.throwIfAborted();
        const kept = batch.indices;
        if (kept.length > 0) {
          const views = pump.handOut(batch);
          // Stored fields are the slot's fields in order (encoded ones take the files instead), then the labels.
          const columns = fields.map((_, f) => (f >= views.length ? Int32Array.from(kept, (i) => labels![i]!) : files[f] ? Array.from(kept, (i) => files[f]![i]!) : views[f]!));
          set.write(kept.length, columns);
        }
      } finally {
        pump.releaseSlot(batch.slot, batch.generation);
      }
      done += batch.submitted;
      progress.update(done, set.bytes());
    }
    return set;
  } catch (e) {
    set.discard();
    throw e;
  } finally {
    pump.close();
  }
}

async function packJs(dataset: MapDataset, { out, options, shardSize, onError, skipped, progress }: PackRun): Promise<ShardSet> {
  if (options.encoded) throw new TensorLoaderError('ERR_INVALID_ARG', 'encoded: only image datasets have encoded files to keep');
  let set: ShardSet | undefined;
  let columns: ArrayBufferView[] = [];
  const group = options.groupSize ?? 256;
  const labels = { field: options.labelField ?? 'label', explicit: options.labelField !== undefined, classes: options.classes };
  try {
    for (let first = 0; first < dataset.length; first += group) {
      options.signal?.throwIfAborted();
      const n = Math.min(group, dataset.length - first);
      const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => Promise.resolve().then(() => dataset.get(first + i))));
      let rows = 0;
      for (const [i, r] of settled.entries()) {
        const index = first + i;
        try {
          if (r.status === 'rejected') throw getError(index, r.reason);
          const values = itemValues(r.value, index, labels);
          if (!set) {
            const { fields, meta } = jsSchema(dataset, values, labels);
            set = new ShardSet(out, fields, meta, shardSize);
          }
          if (columns.length === 0) columns = set.fields.map((f) => arrayOf(f.dtype, new ArrayBuffer(group * rowBytes(f)), group * elementsOf(f.shape)));
          writeRow(values, set.fields, columns, rows, index);
          rows++;
        } catch (e) {
          const err = e instanceof ItemError ? e : new ItemError({ code: 'EGET', message: (e as Error).message, index, path: '', offset: -1 }, { cause: e });
          if (onError === 'throw') throw err;
          skipped.add(err);
        }
      }
      if (set && rows > 0) {
        set.write(rows, columns.map((c, f) => new Uint8Array(c.buffer, 0, rows * rowBytes(set!.fields[f]!))));
      }
      progress.update(first + n, set?.bytes() ?? 0);
    }
    if (!set) throw new TensorLoaderError('ERR_INVALID_ARG', 'pack: the dataset has no readable item to learn its fields from');
    return set;
  } catch (e) {
    set?.discard();
    throw e;
  }
}
