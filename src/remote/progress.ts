// Download progress: an `onProgress` callback per chunk, and, when asked for (opt-in, as the
// loader's progress), the shared progress reporter of src/progress.ts: a cli-progress bar on a
// terminal, a line every 2 s otherwise, counting the shards of a run of downloads (those that
// start while others are in flight join it) with the bytes received.
import { Progress, progressMode } from '../progress.js';

export interface DownloadEvent {
  url: string;
  /** Bytes of the shard now in the cache's part file. */
  received: number;
  total: number;
  /** True on the last event of a download (finished or failed). */
  done: boolean;
}

/** `true`: a bar on a terminal, lines elsewhere; `'auto'`: a bar on a terminal only; `false`: nothing. */
export type DownloadProgressMode = boolean | 'auto';

interface Run {
  progress: Progress;
  started: number;
  finished: number;
  bytes: number;
}

export class DownloadProgress {
  readonly #mode: DownloadProgressMode;
  readonly #onProgress: ((e: DownloadEvent) => void) | undefined;
  readonly #stream: NodeJS.WriteStream;
  readonly #active = new Map<string, { received: number; total: number }>();
  #run: Run | undefined;

  constructor(mode: DownloadProgressMode, onProgress?: (e: DownloadEvent) => void, stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
    this.#mode = mode;
    this.#onProgress = onProgress;
  }

  update(url: string, received: number, total: number): void {
    const prev = this.#active.get(url);
    this.#active.set(url, { received, total });
    this.#onProgress?.({ url, received, total, done: false });
    const run = this.#runFor(prev === undefined);
    if (!run) return;
    // Bytes of this run: a resumed part's first event counts only what arrives after it.
    run.bytes += received - (prev?.received ?? received);
    run.progress.update(run.finished, run.bytes);
  }

  done(url: string): void {
    const a = this.#active.get(url);
    if (!a) return;
    this.#active.delete(url);
    this.#onProgress?.({ url, received: a.received, total: a.total, done: true });
    const run = this.#run;
    if (!run) return;
    run.finished++;
    const last = this.#active.size === 0;
    run.progress.update(run.finished, run.bytes, last);
    if (last) this.#run = undefined;
  }

  #runFor(started: boolean): Run | undefined {
    const mode = this.#mode === 'auto' ? (this.#stream.isTTY ? 'bar' : 'none') : this.#mode ? progressMode(false, this.#stream) : 'none';
    if (mode === 'none') return undefined;
    if (!this.#run) this.#run = { progress: new Progress('fetching shards', 0, { mode, stream: this.#stream }), started: 0, finished: 0, bytes: 0 };
    if (started) this.#run.progress.setTotal(++this.#run.started);
    return this.#run;
  }
}
