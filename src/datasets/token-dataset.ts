// A flat token file (nanoGPT's train.bin / val.bin: uint16 or uint32 token ids, no header) as
// (x, y) windows for next-token training: y is x shifted by one token.
import type { NativeTokenSource } from '../../binding.js';
import { nativeSource, readFields, type BatchTypes, type DTypeArrays, type FieldSpec, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';

export type TokenOutput = 'int32' | 'int64';

export interface TokenDatasetOptions<O extends TokenOutput = TokenOutput> {
  /** How the file stores tokens: 'uint16' (nanoGPT's GPT-2 bins) or 'uint32'. */
  dtype: 'uint16' | 'uint32';
  /** Tokens per window (nanoGPT's block_size). */
  blockSize: number;
  /**
   * 'random' (default): window i of epoch e starts at a seeded random offset fixed by
   * (seed, e, i), as nanoGPT's torch.randint(len(data) - block_size). 'sequential': the
   * non-overlapping windows i * blockSize, the same every epoch.
   */
  windows?: 'random' | 'sequential';
  /** Seed of the random offsets. Default 0. */
  seed?: number;
  /** Windows per epoch. Default: as many as fit side by side, floor((tokens - 1) / blockSize). */
  length?: number;
  /** Type of x and y in batches: 'int32' (default, what tfjs embeddings take) or 'int64' (torch's). */
  outputDtype?: O;
}

/** The fields of a TokenDataset's batches: `x` and `y`, Int32Array (or BigInt64Array with outputDtype 'int64'). */
export type TokenFields<O extends TokenOutput = 'int32'> = {
  x: DTypeArrays[O];
  y: DTypeArrays[O];
};

const KEYS = new Set(['dtype', 'blockSize', 'windows', 'seed', 'length', 'outputDtype']);

function invalid(message: string): TensorLoaderError {
  return new TensorLoaderError('ERR_INVALID_ARG', `TokenDataset: ${message}`);
}

/**
 * `new TokenDataset('train.bin', { dtype: 'uint16', blockSize: 1024 })`: items `{ x, y }` of
 * blockSize tokens each, as fields of every batch. The file is mapped once for the dataset's
 * life: its pages are file-backed (the audit reports them as rssFile, not as a leak).
 */
export class TokenDataset<O extends TokenOutput = 'int32'> implements NativeDataset<DTypeArrays[O], TokenFields<O>, undefined> {
  readonly path: string;
  readonly blockSize: number;
  readonly windows: 'random' | 'sequential';
  readonly seed: number;
  readonly dtype: TokenOutput;
  readonly itemShape: readonly number[];
  readonly fields: readonly FieldSpec[];
  readonly [nativeSource]: NativeTokenSource;
  declare readonly __types?: BatchTypes<DTypeArrays[O], TokenFields<O>, undefined>;

  constructor(path: string, options: TokenDatasetOptions<O>) {
    if (typeof options !== 'object' || options === null) throw invalid("options { dtype: 'uint16' | 'uint32', blockSize } are required");
    for (const key of Object.keys(options)) if (!KEYS.has(key)) throw invalid(`unknown option '${key}' (options: ${[...KEYS].join(', ')})`);
    const { dtype, blockSize, windows = 'random', seed = 0, length } = options;
    const outputDtype = options.outputDtype ?? ('int32' as O);
    if (dtype !== 'uint16' && dtype !== 'uint32') throw invalid(`dtype must be 'uint16' or 'uint32', got ${String(dtype)}`);
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 2 ** 24) throw invalid(`blockSize must be an integer from 1 to 2^24, got ${blockSize}`);
    if (windows !== 'random' && windows !== 'sequential') throw invalid(`windows must be 'random' or 'sequential', got ${String(windows)}`);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw invalid(`seed must be an integer from 0 to 2^32 - 1, got ${seed}`);
    if (length !== undefined && (!Number.isInteger(length) || length < 1 || length > 0xffffffff)) throw invalid(`length must be a positive integer, got ${length}`);
    if (outputDtype !== 'int32' && outputDtype !== 'int64') throw invalid(`outputDtype must be 'int32' or 'int64', got ${String(outputDtype)}`);
    this.path = path;
    this.blockSize = blockSize;
    this.windows = windows;
    this.seed = seed;
    this.dtype = outputDtype;
    this[nativeSource] = new binding.NativeTokenSource(path, {
      tokenBytes: dtype === 'uint16' ? 2 : 4,
      block: blockSize,
      random: windows === 'random',
      seed,
      length: length ?? 0,
      outBytes: outputDtype === 'int32' ? 4 : 8,
    });
    this.itemShape = Object.freeze([blockSize]);
    this.fields = Object.freeze(['x', 'y'].map((name) => Object.freeze({ name, dtype: outputDtype, shape: this.itemShape })));
  }

  get length(): number {
    return this[nativeSource].length;
  }

  /** Tokens in the file. */
  get tokens(): number {
    return this[nativeSource].tokens;
  }

  /** Where window `index` of `epoch` starts, in tokens. */
  offset(index: number, epoch = 0): number {
    return this[nativeSource].offset(index, epoch);
  }

  /** Window `index` of `epoch`, now: `{ x, y }`. */
  get(index: number, epoch = 0): TokenFields<O> {
    const f = readFields(this, index, epoch);
    return { x: f.x as DTypeArrays[O], y: f.y as DTypeArrays[O] };
  }
}
