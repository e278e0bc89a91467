// A stall detector: aborts its signal when `touch()` has not been called for `ms`, with a
// RemoteError that says so. A slow but steady body is fine; a silent one is cut.
import { RemoteError } from './remote-error.js';

export class IdleTimer implements Disposable {
  readonly controller = new AbortController();
  readonly #ms: number;
  readonly #url: string;
  #timer: NodeJS.Timeout | undefined;
  readonly #onOuterAbort: () => void;
  readonly #outer: AbortSignal | undefined;

  constructor(url: string, ms: number, outer?: AbortSignal) {
    this.#ms = ms;
    this.#url = url;
    this.#outer = outer;
    this.#onOuterAbort = () => this.controller.abort(outer!.reason);
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  touch(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.controller.abort(new RemoteError('ERR_REMOTE_TIMEOUT', `no data for ${this.#ms} ms`, { url: this.#url, attempts: 1 }));
    }, this.#ms);
    this.#timer.unref?.();
  }

  /** The error to report for `e` thrown while this timer ran: our timeout, the caller's abort, or `e`. */
  reason(e: unknown): unknown {
    return this.controller.signal.aborted ? this.controller.signal.reason : e;
  }

  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
  }
}

/** The body's chunks, each one resetting the timer; the timer is disposed when the body ends. */
export async function* timedBody(body: AsyncIterable<Uint8Array>, timer: IdleTimer, mapError: (e: unknown) => unknown): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of body) {
      timer.touch();
      yield chunk;
    }
  } catch (e) {
    throw mapError(timer.reason(e));
  } finally {
    timer[Symbol.dispose]();
  }
}
