// Shared pieces of the command line: failing with usage, and reading sizes.
import { positiveInt as checkPositive } from '../validate.js';

export class UsageError extends Error {}

export function fail(message: string): never {
  throw new UsageError(message);
}

/** `64` or `64x48` (height x width). */
export function parseSize(value: string | undefined, what = 'image folders'): [number, number] {
  if (!value) fail(`${what} need --size (e.g. --size 64 or --size 224x224)`);
  const m = /^(\d+)(?:x(\d+))?$/.exec(value);
  if (!m) fail(`--size must look like 64 or 64x48, got ${value}`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

export function positiveInt(name: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : checkPositive(name, Number(value), () => fail(`${name} must be a positive integer, got ${value}`));
}
