// Each competitor runs in its own process so peak RSS is its own and nothing is shared.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Measurement {
  impl: string;
  label: string;
  items: number;
  seconds: number;
  itemsPerSec: number;
  peakRssBytes: number;
  /** Bytes produced per second, where the comparison is about bandwidth. */
  bytesPerSec?: number;
  note?: string;
}

export function runJson(cmd: string, args: string[], label: string, timeoutMs = 20 * 60_000): Measurement | { skipped: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`${label} failed: ${why}`);
  }
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`${label} printed no JSON result`);
  const j = JSON.parse(line);
  const peak = (j.peakRssBytes ?? 0) + (j.peakRssChildrenBytes ?? 0) * (j.workers ?? 0);
  return { impl: j.impl, label, items: j.items, seconds: j.seconds, itemsPerSec: j.itemsPerSec, peakRssBytes: peak, ...(j.bytesPerSec ? { bytesPerSec: j.bytesPerSec } : {}) };
}

// Debian's /usr/bin/python3 if it imports `modules`, or why not.
function pythonWith(modules: string, missing: string): { python: string } | { skipped: string } {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { skipped: `${python} not found` };
  const r = spawnSync(python, ['-c', `import ${modules}`], { encoding: 'utf8' });
  return r.status === 0 ? { python } : { skipped: missing };
}

/** Debian's /usr/bin/python3 with torch, or why not. */
export function torchPython(): { python: string } | { skipped: string } {
  return pythonWith('torch, torchvision, numpy, PIL', 'PyTorch not installed for /usr/bin/python3 (apt-get install python3-torch python3-torchvision python3-pil python3-numpy)');
}

/** /usr/bin/python3 with PIL and numpy (to write PNGs as the seed does), or why not. */
export function pilPython(): { python: string } | { skipped: string } {
  return pythonWith('numpy, PIL', 'no PIL/numpy for /usr/bin/python3');
}
