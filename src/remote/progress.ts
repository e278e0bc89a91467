// Download progress: an `onProgress` callback per chunk, and on a terminal one status line for
// all downloads in flight (bytes done of bytes due, rate), redrawn at most 10 times a second.
import { formatValue } from '../report/svg.js';

export interface DownloadEvent {
  url: string;
  /** Bytes of the shard now in the cache's part file. */
  received: number;
  total: number;
  /** True on the last event of a download (finished or failed). */
  done: boolean;
}

export class DownloadProgress {
  readonly #bar: boolean;
  readonly #onProgress: ((e: DownloadEvent) => void) | undefined;
  readonly #stream: NodeJS.WriteStream;
  readonly #active = new Map<string, { received: number; total: number }>();
  #last = 0;
  #start = 0;
  #bytes = 0;

  constructor(mode: boolean | 'auto', onProgress?: (e: DownloadEvent) => void, stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#bar = mode === 'auto' ? stream.isTTY === true : mode;
    this.#onProgress = onProgress;
  }

  update(url: string, received: number, total: number): void {
    const prev = this.#active.get(url);
    if (this.#active.size === 0 && this.#start === 0) this.#start = performance.now();
    this.#bytes += received - (prev?.received ?? received);
    this.#active.set(url, { received, total });
    this.#onProgress?.({ url, received, total, done: false });
    this.#draw(false);
  }

  done(url: string): void {
    const a = this.#active.get(url);
    if (!a) return;
    this.#active.delete(url);
    this.#onProgress?.({ url, received: a.received, total: a.total, done: true });
    this.#draw(this.#active.size === 0);
  }

  #draw(final: boolean): void {
    if (!this.#bar) return;
    const now = performance.now();
    if (!final && now - this.#last < 100) return;
    this.#last = now;
    let received = 0;
    let total = 0;
    for (const a of this.#active.values()) {
      received += a.received;
      total += a.total;
    }
    const rate = this.#bytes / Math.max(1e-3, (now - this.#start) / 1000);
    const line = final ? `fetched ${formatValue(this.#bytes, 'bytes')} at ${formatValue(rate, 'bytes')}/s` : `fetching ${this.#active.size} shard(s): ${formatValue(received, 'bytes')} of ${formatValue(total, 'bytes')}, ${formatValue(rate, 'bytes')}/s`;
    this.#stream.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    if (final) {
      this.#start = 0;
      this.#bytes = 0;
    }
  }
}
