// The typed surface of the native addon (build/Release/tensorloader.node or a prebuild).
// The TypeScript layer in src/ uses nothing else from it.

/** An item that could not be produced, carried across threads as a value. */
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

/** A finished job. Its slot stays leased until handOut() + release(), or release(). */
export interface NativeJobResult {
  slot: number;
  /** Changes every time the slot is leased; every later call on the slot quotes it. */
  generation: number;
  /** Items in this job. */
  count: number;
  /** The items that failed (position = row within this job); absent when all succeeded. */
  failures?: NativeFailure[];
}

/** One small numeric text file per item, parsed to float32. */
export declare class NativeTextSource {
  constructor(paths: string[], itemLength: number);
  readonly length: number;
  readonly itemLength: number;
  path(index: number): string;
  /** Parses item `index` into `target` on the calling thread; null on success. */
  readInto(index: number, target: Float32Array): NativeFailure | null;
}

/** Image files decoded by libvips straight into item bytes (options: src/datasets/image-options.ts). */
export declare class NativeImageSource {
  constructor(paths: string[], options: object);
  readonly length: number;
  /** Bytes of one decoded item (height × width × channels × element size). */
  readonly itemBytes: number;
  /** Decodes item `index` into `target` on the calling thread; null on success. */
  readInto(index: number, target: ArrayBufferView, epoch?: number): NativeFailure | null;
}

/** A numpy .npy array, memory-mapped; item i is row i. Throws (code EFORMAT, EDECODE, ENOENT, …) on a bad file. */
export declare class NativeNpySource {
  constructor(path: string);
  readonly length: number;
  readonly shape: number[];
  readonly dtype: 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';
  readonly itemBytes: number;
  readInto(index: number, target: ArrayBufferView): NativeFailure | null;
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

/** One or more shards made by pack(): mapped once, validated on open. Throws (.code, .path, .offset) on a bad set. */
export declare class NativePackedSource {
  constructor(paths: string[]);
  readonly length: number;
  readonly fields: NativePackedField[];
  /** The JSON written by pack() (pipeline options, classes, source). */
  readonly meta: string;
  readonly shards: Array<{ path: string; firstRecord: number; records: number; bytes: number }>;
  /** Bytes of each output field of one item (after configure). */
  readonly fieldBytes: number[];
  /** Once, before any read: the fields items contain and when record checksums are checked. */
  configure(outputs: NativePackedOutput[], verify: 'never' | 'first-read' | 'always'): void;
  readInto(index: number, targets: ArrayBufferView | ArrayBufferView[], epoch?: number): NativeFailure | null;
  /** Checks the CRC of records first..first+count-1; null, or the first failure. */
  verify(first: number, count: number): NativeFailure | null;
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

/** WebDataset tar shards, indexed by their headers on open; item i is sample i of all shards in order. */
export declare class NativeTarSource {
  constructor(paths: string[], fields: NativeTarField[]);
  readonly length: number;
  readonly shards: Array<{ path: string; firstSample: number; samples: number; bytes: number }>;
  readonly fieldBytes: number[];
  /** Per field: null, or the dtype and shape of an array ('npy') field, from the first sample. */
  readonly arrays: Array<{ dtype: 'float32' | 'float64' | 'uint8' | 'int32' | 'int64'; shape: number[] } | null>;
  readInto(index: number, targets: ArrayBufferView | ArrayBufferView[], epoch?: number): NativeFailure | null;
  key(index: number): string;
  extensions(index: number): string[];
  /** A copy of the sample's member with this extension, or null when it has none. */
  member(index: number, ext: string): Buffer | null;
}

/** An IDX file (MNIST-style; .gz inflated once into memory or the cache directory). Throws (.code, .path) on a bad file. */
export declare class NativeIdxSource {
  /** cacheDir '' keeps the inflated array in memory. */
  constructor(path: string, cacheDir: string, maxBytes: number);
  readonly length: number;
  readonly shape: number[];
  readonly gzipped: boolean;
  /** The inflated cache file read ('' when none). */
  readonly cachePath: string;
  readInto(index: number, targets: ArrayBufferView | ArrayBufferView[], epoch?: number): NativeFailure | null;
}

/** A flat token file read as (x, y) windows shifted by one; fields x and y of `block` int32 or int64 tokens. */
export declare class NativeTokenSource {
  constructor(path: string, options: { tokenBytes: 2 | 4; block: number; random: boolean; seed: number; length: number; outBytes: 4 | 8 });
  readonly length: number;
  /** Tokens in the file. */
  readonly tokens: number;
  /** Where window `index` of `epoch` starts, in tokens. */
  offset(index: number, epoch: number): number;
  readInto(index: number, targets: ArrayBufferView[], epoch?: number): NativeFailure | null;
}

/** Several single-field native sources of equal length, read as one source of several fields. */
export declare class NativeFieldsSource {
  constructor(sources: NativeSource[]);
  readonly length: number;
  readInto(index: number, targets: ArrayBufferView[], epoch?: number): NativeFailure | null;
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
}

export declare class NativeLoader {
  constructor(source: NativeSource, options: NativeLoaderOptions);
  /** Leases a slot and fills it on the pool. Throws (code ENOSLOT) when no slot is free. */
  submit(indices: Uint32Array, epoch?: number): Promise<NativeJobResult>;
  /** Fills rows position.. of a finished, not handed-out batch with more items. */
  refill(slot: number, generation: number, position: number, indices: Uint32Array, epoch?: number): Promise<NativeJobResult>;
  /** Moves rows keep[i] to row i (keep ascending): closes the gaps of failed items. */
  compact(slot: number, generation: number, keep: Uint32Array): void;
  /** An external ArrayBuffer over the first `count` rows (several fields: the whole slot); its finalizer returns the slot. */
  handOut(slot: number, generation: number, count: number): ArrayBuffer;
  /** Detaches the handed-out buffer, if any, and returns the slot; false if not leased to `generation`. */
  release(slot: number, generation: number): boolean;
  stats(): NativeLoaderStats;
  /** Slots not leased (cheaper than stats()). */
  freeSlots(): number;
  /** Stops the pool, rejects in-flight batches (ECLOSED), detaches every view, frees the slab. */
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
}

export declare function counters(): NativeCounters;
export declare const vipsVersion: string;
export declare const napiVersion: number;
/** Whether glibc's allocator was tuned to keep decode buffers (TENSORLOADER_MALLOC_TUNING=0 turns it off). */
export declare const allocatorTuned: boolean;
/** Files at least this large are memory-mapped and copied out under the SIGBUS guard; smaller ones are read into a reused buffer. */
export declare const mmapThreshold: number;
/**
 * AddressSanitizer builds only (scripts/asan-addon-tests.sh): runs LeakSanitizer's check now;
 * true when it found leaks (reported where ASAN_OPTIONS sends reports).
 */
export declare const leakCheck: (() => boolean) | undefined;
