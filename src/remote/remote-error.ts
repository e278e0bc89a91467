// The typed error of remote reads: which URL, what the server said, how many attempts were made,
// so callers can tell a missing shard (ENOTFOUND-like 404) from a flaky server that gave up.
import { TensorLoaderError } from '../errors.js';

export interface RemoteErrorDetails {
  url: string;
  /** HTTP status of the last response, or undefined when none arrived (reset, timeout, DNS). */
  status?: number | undefined;
  /** Attempts made, including the last one. */
  attempts: number;
  cause?: unknown;
}

/**
 * Codes: ERR_REMOTE_STATUS (an HTTP status that is not success), ERR_REMOTE_NETWORK (reset,
 * refused), ERR_REMOTE_TIMEOUT (stall or total timeout), ERR_REMOTE_LENGTH (the body was not the
 * announced size), ERR_REMOTE_CHANGED (the shard changed during a download), ERR_REMOTE_TOO_BIG
 * (one shard larger than the cache), ERR_INVALID_ARG.
 */
export class RemoteError extends TensorLoaderError {
  readonly url: string;
  readonly status: number | undefined;
  readonly attempts: number;
  /** The message without the URL, status and attempt count. */
  readonly reason: string;

  constructor(code: string, message: string, details: RemoteErrorDetails) {
    const status = details.status !== undefined ? ` (HTTP ${details.status})` : '';
    const tries = details.attempts > 1 ? ` after ${details.attempts} attempts` : '';
    super(code, `${details.url}: ${message}${status}${tries}`, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'RemoteError';
    this.url = details.url;
    this.status = details.status;
    this.attempts = details.attempts;
    this.reason = message;
  }

  /** The same failure, counted as the last of `attempts`. */
  after(attempts: number): RemoteError {
    return new RemoteError(this.code, this.reason, { url: this.url, status: this.status, attempts, cause: this.cause });
  }
}

/** Whether another attempt may succeed: server errors, throttling, resets, timeouts, short bodies, a shard replaced mid-download. */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof RemoteError)) return false;
  if (e.code === 'ERR_REMOTE_STATUS') return e.status !== undefined && (e.status >= 500 || e.status === 429 || e.status === 408);
  return ['ERR_REMOTE_NETWORK', 'ERR_REMOTE_TIMEOUT', 'ERR_REMOTE_LENGTH', 'ERR_REMOTE_CHANGED'].includes(e.code);
}
