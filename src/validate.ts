// Checks of caller-given options, shared by the loader, the samplers, pack() and the datasets so
// that one kind of mistake always reads the same. Each check returns the value it accepted.
// RangeError by default; a dataset passes `fail` to throw its own typed error instead.

import { TensorLoaderError } from './errors.js';

type Fail = (message: string) => never;

const rangeError: Fail = (message) => {
  throw new RangeError(message);
};

/** For `fail`: a TensorLoaderError with code ERR_INVALID_ARG (what datasets throw for bad options). */
export const invalidArg: Fail = (message) => {
  throw new TensorLoaderError('ERR_INVALID_ARG', message);
};

/** An integer >= 1 (sizes, counts of slots, threads, batches). */
export function positiveInt(name: string, value: number, fail: Fail = rangeError): number {
  if (!Number.isInteger(value) || value < 1) fail(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** An integer >= 0 (lengths, indices, epochs). */
export function count(name: string, value: number, fail: Fail = rangeError): number {
  if (!Number.isInteger(value) || value < 0) fail(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

/**
 * A sampler index: indices travel as Uint32Array, so anything that would not survive the
 * conversion exactly (2^32 and above wrap, fractions truncate, negatives wrap) is refused,
 * naming the value given (1e20 also as 1e+20, since String(1e20) spells out every digit).
 */
export function index(value: number, fail: Fail = rangeError): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    const shown = typeof value === 'number' && Math.abs(value) >= 2 ** 32 ? `${String(value)} (${value.toExponential()})` : String(value);
    fail(`index must be an integer in [0, 2^32 - 1], got ${shown}`);
  }
  return value;
}

/** A wait that must end: a finite, non-negative number of milliseconds ("x" or NaN would never time out). */
export function timeoutMs(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number of milliseconds, got ${typeof value} ${String(value)}`);
  if (!Number.isFinite(value) || value < 0) rangeError(`${name} must be a finite, non-negative number of milliseconds, got ${value}`);
  return value;
}

/** An epoch: it seeds the shuffle and augmentation as a uint32. */
export function epoch(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    rangeError(`epoch must be an integer in [0, 2^32 - 1], got ${String(value)}`);
  }
  return value as number;
}

/** "a, b or c". */
export const orList = (words: readonly string[]): string => words.join(', ').replace(/, ([^,]*)$/, ' or $1');

/** One of a fixed set of strings (or numbers). */
export function oneOf<V extends string | number>(name: string, value: V, allowed: readonly V[], fail: Fail = rangeError): V {
  if (!allowed.includes(value)) fail(`${name} must be ${orList(allowed.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))))}, got ${String(value)}`);
  return value;
}

/**
 * Refuses option names `who` does not take (a misspelt `batchsize`, an option of another
 * class): an option that does not apply is an error naming it, never silently ignored.
 */
export function knownOptions(who: string, options: unknown, keys: Iterable<string>): void {
  if (options === undefined || options === null || typeof options !== 'object') return;
  const allowed = new Set(keys);
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) throw new TensorLoaderError('ERR_INVALID_ARG', `${who}: unknown option '${key}' (options: ${[...allowed].join(', ')})`);
  }
}

export type OnError = 'throw' | 'skip';

/** What a bad item does, for the loader and pack(): 'throw' (the default) or 'skip'. */
export function onErrorOption(value: OnError | undefined): OnError {
  return oneOf('onError', value ?? 'throw', ['throw', 'skip']);
}

export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new RangeError(`${name} must be true or false, got ${String(value)}`);
  return value;
}
