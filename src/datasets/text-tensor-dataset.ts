// The seed's Example 1: one small text file of numbers per item, parsed natively to float32.
import type { NativeTextSource } from '../../binding.js';
import { nativeSource, readItem, type NativeDataset } from '../dataset.js';
import { resolveFiles } from '../files.js';
import { binding } from '../native.js';
import { invalidArg, knownOptions, positiveInt } from '../validate.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';

export interface TextTensorDatasetOptions {
  /** How many numbers each file holds (the item length). Required: a file with another count is an error. */
  length: number;
  /** When a folder is given, which file names to take (default: every regular, non-hidden file). */
  filter?: (name: string) => boolean;
}

/**
 * Numeric text files as float32 items: numpy's `str(array)` format (`[0.54 0.71\n 0.43]`), or
 * numbers separated by whitespace or commas, with or without brackets.
 *
 * Given a folder, its files are taken in natural order (data_2 before data_10).
 */
export class TextTensorDataset implements NativeDataset<Float32Array>, DeclaresSchema {
  readonly itemShape: readonly number[];
  readonly dtype = 'float32' as const;
  readonly files: readonly string[];
  readonly [nativeSource]: NativeTextSource;

  constructor(filesOrFolder: string | readonly string[], options: TextTensorDatasetOptions) {
    knownOptions('TextTensorDataset', options, ['length', 'filter']);
    const itemLength = positiveInt('TextTensorDataset: options.length', options?.length, invalidArg);
    this.files = Object.freeze(resolveFiles(filesOrFolder, options.filter));
    this.itemShape = Object.freeze([itemLength]);
    this[nativeSource] = new binding.NativeTextSource([...this.files], itemLength);
  }

  get length(): number {
    return this.files.length;
  }

  /** Reads item `index` now, on the calling thread, into a new Float32Array. */
  get(index: number): Float32Array {
    return readItem(this, index);
  }

  /** Packed as one float32 field, 'values'. */
  [storedSchema](): StoredSchema {
    return valueFields(this, 'values');
  }
}
