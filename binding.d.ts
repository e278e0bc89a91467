// The typed surface of the native addon (build/Release/tensorloader.node or a prebuild).
// The TypeScript layer in src/ uses nothing else from it.

/** An item that could not be produced, carried across threads as a value. */
export interface NativeFailure {
  /** ENOENT, EISDIR, ENOTREG, EEMPTY, EIO, ESHRUNK, EPARSE, ECOUNT, ETOOLARGE, ECANCELLED, EFORMAT, EDECODE */
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

export type NativeSource = NativeTextSource | NativeImageSource | NativeNpySource;

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
}

export declare class NativeLoader {
  constructor(source: NativeSource, options: NativeLoaderOptions);
  /** Leases a slot and fills it on the pool. Throws (code ENOSLOT) when no slot is free. */
  submit(indices: Uint32Array, epoch?: number): Promise<NativeJobResult>;
  /** Fills rows position.. of a finished, not handed-out batch with more items. */
  refill(slot: number, generation: number, position: number, indices: Uint32Array, epoch?: number): Promise<NativeJobResult>;
  /** Moves rows keep[i] to row i (keep ascending): closes the gaps of failed items. */
  compact(slot: number, generation: number, keep: Uint32Array): void;
  /** An external ArrayBuffer over the first `count` rows; its finalizer returns the slot. */
  handOut(slot: number, generation: number, count: number): ArrayBuffer;
  /** Detaches the handed-out buffer, if any, and returns the slot; false if not leased to `generation`. */
  release(slot: number, generation: number): boolean;
  stats(): NativeLoaderStats;
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
