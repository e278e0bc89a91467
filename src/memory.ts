// Readings of the resources a data pipeline can leak, for tests, the demo and the audit.
import { readdirSync, readFileSync } from 'node:fs';
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

/**
 * Resident memory split by what backs it (Linux /proc/self/status): `anon` is the process's own
 * (heap, arenas, decoders; what a leak grows), `file` is pages of mapped files (a mapped .npy,
 * token or packed file the kernel can drop and re-read at will), `shmem` shared memory. Undefined
 * where /proc is absent.
 */
export function residentSplit(): { anon: number; file: number; shmem: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/self/status', 'latin1');
  } catch {
    return undefined;
  }
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const anon = kb('RssAnon');
  const file = kb('RssFile');
  return anon === undefined || file === undefined ? undefined : { anon, file, shmem: kb('RssShmem') ?? 0 };
}

export interface MemorySnapshot {
  rss: number;
  /** Resident anonymous memory (RssAnon); undefined off Linux. */
  rssAnon: number | undefined;
  /** Resident pages of mapped files (RssFile); undefined off Linux. */
  rssFile: number | undefined;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  fds: number | undefined;
  native: NativeCounters;
}

export function memorySnapshot(): MemorySnapshot {
  const m = process.memoryUsage();
  const split = residentSplit();
  return {
    rss: m.rss,
    rssAnon: split?.anon,
    rssFile: split?.file,
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
