// Typed errors, so callers can branch on `code` and always know which item and file failed.
// src/native.ts hands these classes to the addon at load, which constructs them itself; the
// plain failures of a batch job (binding.d.ts, NativeFailure) become ItemErrors in the loader.
import type { NativeFailure } from '../binding.js';

export class TensorLoaderError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TensorLoaderError';
    this.code = code;
  }
}

/** One item could not be read or decoded. */
export class ItemError extends TensorLoaderError {
  /** Dataset index of the item. */
  readonly index: number;
  /** The file behind the item. */
  readonly path: string;
  /** Byte offset in the file where the problem was found, when known. */
  readonly offset: number | undefined;
  /** The native reason without the index/path prefix. */
  readonly reason: string;

  constructor(failure: NativeFailure, options?: ErrorOptions) {
    const at = failure.offset >= 0 ? ` (at byte ${failure.offset})` : '';
    const where = failure.path ? ` (${failure.path})` : '';
    super(failure.code, `item ${failure.index}${where}: ${failure.message}${at}`, options);
    this.name = 'ItemError';
    this.index = failure.index;
    this.path = failure.path;
    this.offset = failure.offset >= 0 ? failure.offset : undefined;
    this.reason = failure.message;
  }
}

/** A JS dataset's get(i) threw or rejected: code EGET, the original error as `cause`. */
export function getError(index: number, error: unknown): ItemError {
  const message = error instanceof Error ? error.message : String(error);
  return new ItemError({ code: 'EGET', message: `get(${index}) failed: ${message}`, index, path: '', offset: -1 }, { cause: error });
}

/** The loader waited too long for a free batch slot: the caller holds them all. */
export class BackpressureError extends TensorLoaderError {
  constructor(message: string) {
    super('EBACKPRESSURE', message);
    this.name = 'BackpressureError';
  }
}
