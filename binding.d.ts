// The typed surface of the native addon (build/Release/tensorloader.node or a prebuild).
// The TypeScript layer in src/ uses nothing else from it.

/** An item that could not be produced, carried across threads as a value (a batch job's failures). */
export interface NativeFailure {
  /** ENOENT, EISDIR, ENOTREG, EEMPTY, EIO, ESHRUNK, EPARSE, ECOUNT, ETOOLARGE, ECANCELLED, EFORMAT, EDECODE, ETRUNCATED */
  code: string;
  message: string;
  /** Dataset index of the item. */
  index: number;
  /** Path of the file behind the item. */
  path: string;
  /** Byte offset in the file where the problem was found, or -1. */
  offset: number;
  /** Position of the item in its batch (batch failures only). */
  position?: number;
}

/** What the addon throws for a failed item: an instance of the ItemError class given to setErrorClasses. */
export interface NativeItemError extends Error {
  readonly code: string;
  readonly index: number;
  readonly path: string;
  readonly offset: number | undefined;
  readonly reason: string;
}

/**
 * The classes the addon constructs its errors with, handed over once at load (src/native.ts):
 * a failed item is an ItemError (from a NativeFailure), a failed file or a refused call a
 * TensorLoaderError(code, message) (whole-file errors also carry `path` and `offset`). Misuse
 * is a TypeError (code ERR_INVALID_ARG_TYPE) or RangeError (code ERR_OUT_OF_RANGE).
 */
export interface NativeErrorClasses {
  TensorLoaderError: new (code: string, message: string) => Error & { readonly code: string };
  ItemError: new (failure: NativeFailure) => NativeItemError;
}
export declare function setErrorClasses(classes: NativeErrorClasses): void;

/** A finished job as the BatchPump reports it. Its slot stays leased until handOut() + release(), or release(). */
export interface NativeJobResult {
  slot: number;
  /** Changes every time the slot is leased; every later call on the slot quotes it. */
  generation: number;
  /** Items in this job. */
  count: number;
  /** The items that failed (position = row within this job); absent when all succeeded. */
  failures?: NativeFailure[];
}

/** What every native source has (native/binding/source_wrap.h). */
declare class NativeSourceBase {
  readonly length: number;
  /** Bytes of each field of one item. */
  readonly fieldBytes: number[];
  /**
   * Reads item `index` on the calling thread into `targets` (one typed array per field, or one
   * for a single field; each exactly its field's bytes); throws the item's ItemError.
   */
  readInto(index: number, targets: ArrayBufferView | ArrayBufferView[], epoch?: number): void;
}

/** One small numeric text file per item, parsed to float32. */
export declare class NativeTextSource extends NativeSourceBase {
  constructor(paths: string[], itemLength: number);
}

/** Image files decoded by libvips straight into item bytes (options: src/datasets/image-options.ts, checked again natively). */
export declare class NativeImageSource extends NativeSourceBase {
  constructor(paths: string[], options: object);
}

/** A numpy .npy array, memory-mapped; item i is row i. Throws a TensorLoaderError (EFORMAT, EDECODE, ENOENT, …) on a bad file. */
export declare class NativeNpySource extends NativeSourceBase {
  constructor(path: string);
  readonly shape: number[];
  readonly dtype: 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';
}

/** A field of a packed file as stored. */
export interface NativePackedField {
  name: string;
  dtype: 'float32' | 'float64' | 'uint8' | 'int32' | 'int64' | 'float16';
  /** raw: the record is the value; image: encoded image bytes, decoded when read. */
  encoding: 'raw' | 'image';
  /** Shape of one value; [] for a scalar or an image field. */
  shape: number[];
  /** Bytes of one raw value; 0 for an image field. */
  rowBytes: number;
}

/** What one output field of a packed dataset is made of. */
export interface NativePackedOutput {
  /** Index into `fields`. */
  field: number;
  /** Convert a raw uint8 [H, W, C] field with the image options (dtype, layout, scale, mean, std). */
  convert?: boolean;
  /** Image pipeline options (src/datasets/image-options.ts) for convert or an image field. */
  image?: object;
}

/** One or more shards made by pack(): mapped once, validated on open. Throws a TensorLoaderError (.code, .path, .offset) on a bad set. */
export declare class NativePackedSource extends NativeSourceBase {
  /** `subset`: any shards of one set, not necessarily all of them (streamed remote shards). */
  constructor(paths: string[], subset?: boolean);
  readonly fields: NativePackedField[];
  /** The JSON written by pack() (pipeline options, classes, source). */
  readonly meta: string;
  readonly shards: Array<{ path: string; firstRecord: number; records: number; bytes: number }>;
  /** Once, before any read: the fields items contain and when record checksums are checked. */
  configure(outputs: NativePackedOutput[], verify: 'never' | 'first-read' | 'always'): void;
  /** Checks the CRC of records first..first+count-1; null, or the ItemError of the first failure. */
  verify(first: number, count: number): NativeItemError | null;
  advise(pattern: 'sequential' | 'random'): void;
}

export interface NativeTarField {
  name: string;
  /** Lowercased extensions; the first one a sample has is read. */
  exts: string[];
  kind: 'image' | 'label' | 'array';
  /** kind 'image': normalised image pipeline options. */
  image?: object;
}

/** WebDataset tar shards, indexed by their headers on open; item i is sample i of all shards in order. Throws a TensorLoaderError (.code, .path) on a bad shard or a missing field. */
export declare class NativeTarSource extends NativeSourceBase {
  constructor(paths: string[], fields: NativeTarField[]);
  readonly shards: Array<{ path: string; firstSample: number; samples: number; bytes: number }>;
  /** Per field: null, or the dtype and shape of an array ('npy') field, from the first sample. */
  readonly arrays: Array<{ dtype: 'float32' | 'float64' | 'uint8' | 'int32' | 'int64'; shape: number[] } | null>;
  key(index: number): string;
  extensions(index: number): string[];
  /** A copy of the sample's member with this extension, or null when it has none. */
  member(index: number, ext: string): Buffer | null;
}

/** An IDX file (MNIST-style; .gz inflated once into memory or the cache directory). Throws (.code, .path) on a bad file. */
export declare class NativeIdxSource extends NativeSourceBase {
  /** cacheDir '' keeps the inflated array in memory. */
  constructor(path: string, cacheDir: string, maxBytes: number);
  readonly shape: number[];
  readonly gzipped: boolean;
  /** The inflated cache file read ('' when none). */
  readonly cachePath: string;
}

/** A flat token file read as (x, y) windows shifted by one; fields x and y of `block` int32 or int64 tokens. */
export declare class NativeTokenSource extends NativeSourceBase {
  constructor(path: string, options: { tokenBytes: 2 | 4; block: number; random: boolean; seed: number; length: number; outBytes: 4 | 8 });
  /** Tokens in the file. */
  readonly tokens: number;
  /** Where window `index` of `epoch` starts, in tokens. */
  offset(index: number, epoch: number): number;
}

/** Several single-field native sources of equal length, read as one source of several fields. */
export declare class NativeFieldsSource extends NativeSourceBase {
  constructor(sources: NativeSource[]);
}

/** Writes one shard (see native/core/pack_writer.h); everything throws an error with .code on failure. */
export declare class NativePackWriter {
  constructor(directory: string, fields: Array<{ name: string; dtype: string; encoding: 'raw' | 'image'; shape: number[] }>, meta: string);
  /** columns[f]: n raw values back to back, or n file paths for an image field. */
  writeGroup(n: number, columns: Array<ArrayBufferView | string[]>): void;
  commit(setId: bigint, firstRecord: number, totalRecords: number, shardNumber: number, shardCount: number): void;
  /** Renames the committed file to `path` (replacing it) and fsyncs the directory. */
  publish(path: string): void;
  /** Drops the unpublished file; nothing is left on disk. */
  discard(): void;
  readonly records: number;
  readonly bytes: number;
  /** CRC-32C over the records' CRCs: a digest of the content. */
  readonly contentCrc: number;
}

export type NativeSource = NativeTextSource | NativeImageSource | NativeNpySource | NativeIdxSource | NativeTokenSource | NativePackedSource | NativeTarSource | NativeFieldsSource;

export interface NativeLoaderOptions {
  batchSize: number;
  /** Batch slots in the arena: fixed for the loader's lifetime. */
  slots: number;
  /** Pool threads; 0 or absent: one per core. */
  threads?: number;
  /** The most decode memory one item may use on this loader's threads (0: the source's own cap). */
  maxItemBytes?: number;
  /** Whether the pool times its stages (stats().stageMs). Default true. */
  stageTimes?: boolean;
}

export interface NativeLoaderStats {
  slots: number;
  slotsLeased: number;
  slotBytes: number;
  arenaBytes: number;
  pending: number;
  threads: number;
  batchSize: number;
  closed: boolean;
  /** Bytes reported to V8 with napi_adjust_external_memory (the arena), 0 once closed. */
  externalBytes: number;
  /** Byte offset of each field's rows in a slot (one entry, 0, for single-field sources). */
  fieldOffsets: number[];
  /** Milliseconds per item stage, summed over the pool's threads, since the start or resetTimes(). */
  stageMs: StageTimes;
  /** Items the pool filled (failed ones included), since the start or resetTimes(). */
  itemsFilled: number;
  /** Wall milliseconds the whole pool sat idle before a submit passed `waited`, since the start or resetTimes(). */
  slotWaitMs: number;
}

/**
 * Where the pool's threads spent their time, in milliseconds summed over the threads. Items of
 * 20 µs or more are timed every one; claims of quicker items are sampled (one in up to 65) and
 * scaled; an image's convert share is measured on every 16th output row and scaled.
 */
export interface StageTimes {
  /** Getting an item's bytes into memory: file reads, records paged in from a mapping. */
  read: number;
  /** Bytes to values: image decoding (to the output's channels), text parsing, .npy headers. */
  decode: number;
  /** Image geometry: resize, crop. */
  resample: number;
  /** 8-bit pixels to the slot's dtype, scale, mean/std and layout. */
  convert: number;
  /** Stored values copied as they are (packed raw fields, .npy and IDX rows, token windows). */
  copy: number;
}

export declare class NativeLoader {
  /**
   * `onDone` is called on the JS thread once per submitted or refilled batch when it is filled
   * (`failed`: how many of its items failed; failures() tells which). Never after close().
   */
  constructor(source: NativeSource, options: NativeLoaderOptions, onDone: (slot: number, generation: number, failed: number) => void);
  /**
   * Leases a slot, fills it on the pool and returns the slot. Throws (code ENOSLOT) when no slot
   * is free. `waited`: the time the pool sat idle before this batch was spent waiting on the
   * consumer (stats().slotWaitMs).
   */
  submit(indices: Uint32Array, epoch?: number, waited?: boolean): number;
  /** Fills rows position.. of a finished, not handed-out batch with more items; onDone follows for the same slot. */
  refill(slot: number, generation: number, position: number, indices: Uint32Array, epoch?: number): number;
  /** The failed items of a finished batch (position = row within that submit or refill). */
  failures(slot: number, generation: number): NativeFailure[];
  /** Moves rows keep[i] to row i (keep ascending): closes the gaps of failed items. */
  compact(slot: number, generation: number, keep: Uint32Array): void;
  /** An external ArrayBuffer over the first `count` rows (several fields: the whole slot); its finalizer returns the slot. */
  handOut(slot: number, generation: number, count: number): ArrayBuffer;
  /** Detaches the handed-out buffer, if any, and returns the slot; false if not leased to `generation`. */
  release(slot: number, generation: number): boolean;
  stats(): NativeLoaderStats;
  /** Starts stats()' stageMs, itemsFilled and slotWaitMs from zero again. */
  resetTimes(): void;
  /** Slots not leased (cheaper than stats()). */
  freeSlots(): number;
  /** Stops the pool, detaches every view, frees the slab; batches in flight get no onDone. */
  close(): void;
}

/** Process-wide gauges of native resources. */
export interface NativeCounters {
  openDescriptors: number;
  liveMappings: number;
  mappedBytes: number;
  arenaBytes: number;
  arenasLive: number;
  slotsLeased: number;
  poolThreads: number;
  /** io_uring instances (at most one per pool thread of a text dataset). */
  ioRings: number;
  itemsRead: number;
  /**
   * V8's total of external memory reported by addons (napi_adjust_external_memory), read back
   * from V8 itself; open loaders report their arenas there. Per isolate, not process-wide.
   */
  v8ExternalBytes: number;
}

export declare function counters(): NativeCounters;
export declare const vipsVersion: string;
export declare const napiVersion: number;
/** Files at least this large are memory-mapped and copied out under the SIGBUS guard; smaller ones are read into a reused buffer. */
export declare const mmapThreshold: number;
/**
 * AddressSanitizer builds only (scripts/asan-addon-tests.sh): runs LeakSanitizer's check now;
 * true when it found leaks (reported where ASAN_OPTIONS sends reports).
 */
export declare const leakCheck: (() => boolean) | undefined;
