// What loader.stats() reports, and its one-line summary.
import type { NativeLoaderStats, StageTimes } from '../binding.js';
import type { LoopTimes } from './loader/wait-clock.js';

export type { StageTimes } from '../binding.js';
export type { LoopTimes } from './loader/wait-clock.js';

/**
 * The loader's arena and pool, where the pool's time went per stage (stageMs, summed over its
 * threads), how long the pool sat waiting for the consumer (slotWaitMs) and how long the
 * consumer waited for data (dataWaitMs) against the time it spent on its batches (computeMs).
 * The times add up over epochs from the loader's creation or its last resetStats().
 */
export interface LoaderStats extends NativeLoaderStats, LoopTimes {
  /** Batches the loader keeps in flight now: `prefetch`, or what the measured fill time chose (DataLoaderOptions.prefetch). */
  prefetchDepth: number;
}

/** What stats() shows of the arena and pool for a JS dataset, which has neither. */
export const JS_LOADER_STATS: NativeLoaderStats = Object.freeze({
  slots: 0,
  slotsLeased: 0,
  slotBytes: 0,
  arenaBytes: 0,
  pending: 0,
  threads: 0,
  batchSize: 0,
  closed: false,
  externalBytes: 0,
  fieldOffsets: [],
  stageMs: Object.freeze({ read: 0, decode: 0, resample: 0, convert: 0, copy: 0 }),
  itemsFilled: 0,
  slotWaitMs: 0,
});


export const STAGES: ReadonlyArray<keyof StageTimes> = ['read', 'decode', 'resample', 'convert', 'copy'];

/** Whether the loop waited on its data: a quarter of its time or more waiting is data-bound, under a tenth compute-bound. */
export function boundBy(s: LoopTimes): 'data-bound' | 'compute-bound' | 'partly data-bound' | 'idle' {
  if (s.wallMs <= 0) return 'idle';
  const share = s.dataWaitMs / s.wallMs;
  return share >= 0.25 ? 'data-bound' : share < 0.1 ? 'compute-bound' : 'partly data-bound';
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 0 : 1)} ms`;
}

function micros(ms: number, items: number): string {
  const us = (ms * 1000) / items;
  return us >= 100 ? us.toFixed(0) : us >= 1 ? us.toFixed(1) : us.toFixed(2);
}

/**
 * One line for a log: e.g. `data-bound: waited 2.41 s for data (78%), computed 0.68 s; pool
 * waited 0 ms for slots; 6400 items on 2 threads, µs per item: read 19, decode 310, resample
 * 84, convert 22`.
 */
export function formatStats(s: LoaderStats): string {
  const share = s.wallMs > 0 ? ` (${Math.round((100 * s.dataWaitMs) / s.wallMs)}%)` : '';
  let line = `${boundBy(s)}: waited ${seconds(s.dataWaitMs)} for data${share}, computed ${seconds(s.computeMs)} over ${s.batches} batches`;
  if (s.threads > 0 || s.itemsFilled > 0) {
    line += `; pool waited ${seconds(s.slotWaitMs)} for slots`;
    const stages = STAGES.filter((k) => s.stageMs[k] > 0);
    if (s.itemsFilled > 0 && stages.length > 0) {
      line += `; ${s.itemsFilled} items on ${s.threads} threads, µs per item: ${stages.map((k) => `${k} ${micros(s.stageMs[k], s.itemsFilled)}`).join(', ')}`;
    }
  }
  return line;
}
