// Readings of the resources a data pipeline can leak, for tests, the demo and the audit.
import { readdirSync } from 'node:fs';
import { binding } from './native.js';
import type { NativeCounters } from '../binding.js';

/**
 * Open file descriptors of this process: /proc/self/fd (Linux), else /dev/fd (macOS, BSDs);
 * undefined where neither exists.
 */
export function openDescriptorCount(): number | undefined {
  for (const dir of ['/proc/self/fd', '/dev/fd']) {
    try {
      // readdirSync opens the directory itself; that descriptor is closed again before it
      // returns but is listed, so one is subtracted.
      return readdirSync(dir).length - 1;
    } catch {
      // try the next
    }
  }
  return undefined;
}

export interface MemorySnapshot {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  fds: number | undefined;
  native: NativeCounters;
}

export function memorySnapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    fds: openDescriptorCount(),
    native: binding.counters(),
  };
}

/** Native resource gauges (descriptors, mappings, arena bytes, leased slots, pool threads). */
export function nativeCounters(): NativeCounters {
  return binding.counters();
}
