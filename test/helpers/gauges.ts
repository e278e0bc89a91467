// Process-wide native gauges that a loader's epochs must leave unchanged: a new arena, pool
// thread, io_uring or mapping per epoch (or per loader, left behind after close) shows here,
// where the loader's own stats() (fixed at construction) cannot show it.
import { nativeCounters } from '../../src/index.js';

export function poolGauges(): { arenaBytes: number; arenasLive: number; poolThreads: number; ioRings: number; liveMappings: number; slotsLeased: number } {
  const c = nativeCounters();
  return { arenaBytes: c.arenaBytes, arenasLive: c.arenasLive, poolThreads: c.poolThreads, ioRings: c.ioRings, liveMappings: c.liveMappings, slotsLeased: c.slotsLeased };
}
