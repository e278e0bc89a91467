// What the audit measures, and the robust growth fit that decides whether a series leaks.

export type SeriesName =
  | 'rss'
  | 'rssAnon'
  | 'rssFile'
  | 'heapUsed'
  | 'external'
  | 'arrayBuffers'
  | 'fds'
  | 'arenaBytes'
  | 'liveMappings'
  | 'slotsLeased'
  | 'itemsPerSec';

export interface SeriesInfo {
  title: string;
  unit: string;
  /** Default growth per epoch (after warm-up) above which the series counts as leaking. */
  threshold: number;
  /** Throughput is reported, never judged. */
  judged: boolean;
}

export const SERIES: Readonly<Record<SeriesName, SeriesInfo>> = {
  // Where the split exists (Linux) the memory verdict is on rssAnon: pages of mapped files are
  // the kernel's to keep or drop, and they grow as a long-lived mapping is read, without a leak.
  // rss is judged only where the split is unavailable.
  rss: { title: 'Resident set size', unit: 'bytes', threshold: 1024 * 1024, judged: true },
  rssAnon: { title: 'Resident anonymous memory', unit: 'bytes', threshold: 1024 * 1024, judged: true },
  rssFile: { title: 'Resident mapped-file pages', unit: 'bytes', threshold: Infinity, judged: false },
  heapUsed: { title: 'V8 heap used', unit: 'bytes', threshold: 256 * 1024, judged: true },
  external: { title: 'External memory', unit: 'bytes', threshold: 256 * 1024, judged: true },
  arrayBuffers: { title: 'ArrayBuffers', unit: 'bytes', threshold: 256 * 1024, judged: true },
  fds: { title: 'Open file descriptors', unit: 'fds', threshold: 0.5, judged: true },
  arenaBytes: { title: 'tensorloader arena', unit: 'bytes', threshold: 1, judged: true },
  liveMappings: { title: 'tensorloader live mappings', unit: 'mappings', threshold: 0.5, judged: true },
  slotsLeased: { title: 'tensorloader slots leased', unit: 'slots', threshold: 0.5, judged: true },
  itemsPerSec: { title: 'Throughput', unit: 'items/s', threshold: Infinity, judged: false },
};

export interface Fit {
  /** Least-squares slope: growth per epoch. */
  slope: number;
  /** Last value minus first value. */
  delta: number;
}

/** Least-squares slope of y over x, and last minus first. */
export function fitGrowth(points: ReadonlyArray<readonly [number, number]>): Fit {
  const n = points.length;
  if (n < 2) return { slope: 0, delta: 0 };
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return { slope: den === 0 ? 0 : num / den, delta: points[n - 1]![1] - points[0]![1] };
}

/**
 * A series grew when both the fitted slope and the average step from first to last exceed the
 * threshold: the fit ignores one noisy epoch, the first-to-last difference ignores a series
 * that rose and came back down.
 */
export function grew(fit: Fit, epochs: number, threshold: number): boolean {
  if (epochs < 2 || !Number.isFinite(threshold)) return false;
  return fit.slope > threshold && fit.delta / (epochs - 1) > threshold;
}
