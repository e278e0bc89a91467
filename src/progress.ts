// Progress of long work (packing, verifying, loader epochs): on a terminal a bar with items/s
// and ETA drawn by cli-progress; otherwise (logs, CI) a plain line every few seconds; nothing
// when quiet. A callback, when given, sees every update.
import cliProgress from 'cli-progress';
import { formatValue } from './report/svg.js';

export interface ProgressState {
  done: number;
  total: number;
  bytes: number;
  seconds: number;
  itemsPerSec: number;
  /** Seconds left at the current rate, or undefined before there is a rate. */
  eta: number | undefined;
}

export type ProgressMode = 'bar' | 'lines' | 'none';

export function progressMode(quiet: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (quiet) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

const clock = (s: number | undefined): string => {
  if (s === undefined || !Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
};

/** The text after the bar (and of a line): counts, rate, bytes when there are any, ETA. */
export function progressStats(p: ProgressState): string {
  const bytes = p.bytes > 0 ? ` ${formatValue(p.bytes, 'bytes')}` : '';
  return `${p.done}/${p.total} ${formatValue(p.itemsPerSec, 'items/s')}${bytes} ETA ${clock(p.eta)}`;
}

export function formatLine(label: string, p: ProgressState): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  return `${label}: ${(frac * 100).toFixed(1)}% ${progressStats(p)}`;
}

/** Reports progress to `stream` in `mode`: a cli-progress bar, or a line at most every 2 s. */
export class Progress {
  readonly #label: string;
  readonly #mode: ProgressMode;
  readonly #stream: NodeJS.WriteStream;
  readonly #onUpdate: ((p: ProgressState) => void) | undefined;
  readonly #start = performance.now();
  #bar: cliProgress.SingleBar | undefined;
  #last = -Infinity;
  #total: number;
  #stopped = false;

  constructor(label: string, total: number, options: { mode: ProgressMode; stream?: NodeJS.WriteStream; onUpdate?: (p: ProgressState) => void }) {
    this.#label = label;
    this.#total = total;
    this.#mode = options.mode;
    this.#stream = options.stream ?? process.stderr;
    this.#onUpdate = options.onUpdate;
  }

  update(done: number, bytes: number, final = false): ProgressState {
    const seconds = (performance.now() - this.#start) / 1000;
    const itemsPerSec = seconds > 0 ? done / seconds : 0;
    const state: ProgressState = {
      done,
      total: this.#total,
      bytes,
      seconds,
      itemsPerSec,
      eta: itemsPerSec > 0 ? (this.#total - done) / itemsPerSec : undefined,
    };
    this.#onUpdate?.(state);
    if (this.#mode === 'none' || this.#stopped) return state;
    if (this.#mode === 'bar') {
      if (!this.#bar) {
        this.#bar = new cliProgress.SingleBar({
          format: `${this.#label} [{bar}] {percentage}% {stats}`,
          stream: this.#stream,
          barsize: 24,
          barCompleteChar: '#',
          barIncompleteChar: '.',
          hideCursor: false,
          fps: 10,
          // Our own rate and ETA (from the start, not cli-progress' moving window).
          etaBuffer: 1,
        });
        this.#bar.start(Math.max(1, this.#total), 0, { stats: '' });
      }
      this.#bar.update(done, { stats: progressStats(state) });
      if (final) this.stop();
      return state;
    }
    const now = performance.now();
    if (!final && now - this.#last < 2000) return state;
    this.#last = now;
    this.#stream.write(`${formatLine(this.#label, state)}\n`);
    if (final) this.#stopped = true;
    return state;
  }

  /** Work found on the way (downloads that start while others run) grows the total. */
  setTotal(total: number): void {
    this.#total = total;
    this.#bar?.setTotal(Math.max(1, total));
  }

  /** Ends the bar (its timer and line). Idempotent; an epoch left early calls it too. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#bar?.stop();
  }
}
