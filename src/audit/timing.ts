// Where the audited loader's time went over the measured epochs: the pool's stages and the
// loop's data wait against the pool's slot wait, as the difference of two loader.stats().
import type { StageTimes } from '../../binding.js';
import { stackedBarChartSvg } from '../report/svg.js';
import { STAGES, boundBy, formatStats, type LoaderStats } from '../stats.js';

export interface AuditTiming {
  /** Milliseconds per stage, summed over the pool's threads. */
  stageMs: StageTimes;
  itemsFilled: number;
  threads: number;
  dataWaitMs: number;
  computeMs: number;
  slotWaitMs: number;
  wallMs: number;
  batches: number;
  bound: ReturnType<typeof boundBy>;
  /** formatStats() of these figures. */
  summary: string;
}

/** The figures of `end` minus those of `start` (two stats() of one loader). */
export function timingBetween(start: LoaderStats, end: LoaderStats): AuditTiming {
  const stageMs = Object.fromEntries(STAGES.map((k) => [k, end.stageMs[k] - start.stageMs[k]])) as unknown as StageTimes;
  const d: LoaderStats = {
    ...end,
    stageMs,
    itemsFilled: end.itemsFilled - start.itemsFilled,
    dataWaitMs: end.dataWaitMs - start.dataWaitMs,
    computeMs: end.computeMs - start.computeMs,
    slotWaitMs: end.slotWaitMs - start.slotWaitMs,
    wallMs: end.wallMs - start.wallMs,
    batches: end.batches - start.batches,
    threads: Math.max(start.threads, end.threads),
  };
  return {
    stageMs,
    itemsFilled: d.itemsFilled,
    threads: d.threads,
    dataWaitMs: d.dataWaitMs,
    computeMs: d.computeMs,
    slotWaitMs: d.slotWaitMs,
    wallMs: d.wallMs,
    batches: d.batches,
    bound: boundBy(d),
    summary: formatStats(d),
  };
}

/** The stage table of the text report. */
export function timingTable(t: AuditTiming): string[] {
  const lines = [`time: ${t.summary}`];
  const total = STAGES.reduce((a, k) => a + t.stageMs[k], 0);
  if (total <= 0 || t.itemsFilled === 0) return lines;
  lines.push(`${'stage'.padEnd(10)} ${'ms (all threads)'.padStart(17)} ${'µs/item'.padStart(9)} ${'share'.padStart(6)}`);
  for (const k of STAGES) {
    if (t.stageMs[k] <= 0) continue;
    lines.push(
      `${k.padEnd(10)} ${t.stageMs[k].toFixed(1).padStart(17)} ${((t.stageMs[k] * 1000) / t.itemsFilled).toFixed(2).padStart(9)} ${`${((100 * t.stageMs[k]) / total).toFixed(0)}%`.padStart(6)}`,
    );
  }
  lines.push(`${'data wait'.padEnd(10)} ${t.dataWaitMs.toFixed(1).padStart(17)}   (the loop, waiting for batches)`);
  lines.push(`${'slot wait'.padEnd(10)} ${t.slotWaitMs.toFixed(1).padStart(17)}   (the pool, waiting for the loop)`);
  return lines;
}

/** Two stacked bars in ms: the pool's stages (summed over threads) and the loop's data wait against its compute. */
export function timingSvg(t: AuditTiming, title = 'where the time went'): string {
  return stackedBarChartSvg({
    title,
    subtitle: `${t.bound}; ${t.itemsFilled} items on ${t.threads} threads, ${t.batches} batches over the measured epochs`,
    unit: 'ms',
    bars: [
      { label: 'pool (all threads)', segments: [...STAGES.map((k) => ({ name: k, value: t.stageMs[k] })), { name: 'slot wait', value: t.slotWaitMs }] },
      { label: 'loop', segments: [{ name: 'data wait', value: t.dataWaitMs }, { name: 'compute', value: t.computeMs }] },
    ],
  });
}
