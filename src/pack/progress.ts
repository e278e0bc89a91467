// Progress of long work (packing, verifying): a bar with items/s and ETA on a terminal, a plain
// line every few seconds otherwise (logs, CI), nothing when quiet.
import { formatValue } from '../report/svg.js';

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

export function formatProgress(label: string, p: ProgressState, width = 24): { bar: string; line: string } {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(frac * width);
  const stats = `${p.done}/${p.total} ${formatValue(p.itemsPerSec, 'items/s')} ${formatValue(p.bytes, 'bytes')} ETA ${clock(p.eta)}`;
  return {
    bar: `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${stats}`,
    line: `${label}: ${(frac * 100).toFixed(1)}% ${stats}`,
  };
}

/** Reports progress to `stream` in `mode`, at most every `intervalMs` (lines: every 2 s). */
export class Progress {
  readonly #label: string;
  readonly #mode: ProgressMode;
  readonly #stream: NodeJS.WriteStream;
  readonly #onUpdate: ((p: ProgressState) => void) | undefined;
  readonly #start = performance.now();
  #last = 0;
  #total: number;

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
    const now = performance.now();
    const interval = this.#mode === 'bar' ? 100 : 2000;
    if (this.#mode === 'none' || (!final && now - this.#last < interval)) return state;
    this.#last = now;
    const text = formatProgress(this.#label, state);
    if (this.#mode === 'bar') this.#stream.write(`\r${text.bar}${final ? '\n' : ''}`);
    else this.#stream.write(`${text.line}\n`);
    return state;
  }
}
