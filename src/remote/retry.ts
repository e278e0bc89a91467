// Bounded retries with exponential backoff and full jitter (AWS's recommendation), so many ranks
// that hit one failing server do not retry in lockstep.
import { RemoteError, isRetryable } from './remote-error.js';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** First backoff in ms; doubles each attempt, capped by maxDelayMs. Default 200. */
  baseDelayMs?: number;
  /** Default 5000. */
  maxDelayMs?: number;
}

export interface ResolvedRetry {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function resolveRetry(o: RetryOptions = {}): ResolvedRetry {
  const r = { attempts: o.attempts ?? 5, baseDelayMs: o.baseDelayMs ?? 200, maxDelayMs: o.maxDelayMs ?? 5000 };
  if (!Number.isInteger(r.attempts) || r.attempts < 1 || r.attempts > 100) throw new RangeError(`retry.attempts must be an integer in [1, 100], got ${r.attempts}`);
  for (const k of ['baseDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(r[k]) || r[k] < 0) throw new RangeError(`retry.${k} must be a non-negative number, got ${r[k]}`);
  }
  return r;
}

/** The pause before attempt `attempt + 1` (attempt counts from 1): uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoffMs(attempt: number, r: ResolvedRetry, random: () => number = Math.random): number {
  return random() * Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** (attempt - 1));
}

/**
 * Runs `task(attempt)` until it succeeds, throws a non-retryable error, or `r.attempts` are spent;
 * the final RemoteError carries the attempt count.
 */
export async function withRetry<T>(r: ResolvedRetry, task: (attempt: number) => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (e) {
      if (signal?.aborted) throw e;
      if (!isRetryable(e) || attempt >= r.attempts) {
        throw e instanceof RemoteError && e.attempts !== attempt ? e.after(attempt) : e;
      }
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, r)));
    }
  }
}
