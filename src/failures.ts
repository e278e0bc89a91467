// Native failures (values carried back from the pool threads) as typed errors: the one place
// where a NativeFailure becomes an ItemError, for the loader and pack() (verify() and readInto
// get ItemErrors from the addon itself).
import type { NativeFailure } from '../binding.js';
import { ItemError } from './errors.js';

export function itemError(failure: NativeFailure): ItemError {
  return new ItemError(failure);
}

/**
 * The error of a batch whose items failed: the first one, its message counting the others,
 * every one in `failures`.
 */
export function batchError(failures: readonly ItemError[]): ItemError {
  const first = failures[0]!;
  if (failures.length > 1) {
    Object.defineProperty(first, 'failures', { value: failures, enumerable: true });
    first.message += ` (and ${failures.length - 1} more failed item${failures.length > 2 ? 's' : ''} in this batch)`;
  }
  return first;
}
