// Progress of long work: a redrawn bar with items/s and ETA on a terminal, plain periodic lines
// otherwise, nothing when quiet; a callback sees every update.
import { describe, expect, it } from 'vitest';
import { formatProgress, Progress, progressMode, type ProgressState } from '../src/pack/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream, writes };
}

describe('progress', () => {
  it('picks a bar on a terminal, lines elsewhere, nothing when quiet', () => {
    expect(progressMode(false, fakeStream(true).stream)).toBe('bar');
    expect(progressMode(false, fakeStream(false).stream)).toBe('lines');
    expect(progressMode(true, fakeStream(true).stream)).toBe('none');
  });

  it('formats percent, counts, rate, bytes and ETA', () => {
    const p: ProgressState = { done: 250, total: 1000, bytes: 3 * 2 ** 20, seconds: 5, itemsPerSec: 50, eta: 15 };
    const { bar, line } = formatProgress('pack x', p, 10);
    expect(bar).toBe('pack x [###.......]  25% 250/1000 50 items/s 3 MiB ETA 0:15');
    expect(line).toBe('pack x: 25.0% 250/1000 50 items/s 3 MiB ETA 0:15');
    expect(formatProgress('v', { ...p, eta: 3725 }).line).toMatch(/ETA 1:02:05$/);
    expect(formatProgress('v', { ...p, eta: undefined }).line).toMatch(/ETA --:--$/);
  });

  it('redraws the bar in place (carriage return) and ends it with a newline; lines are throttled', () => {
    const tty = fakeStream(true);
    const bar = new Progress('pack', 10, { mode: 'bar', stream: tty.stream });
    bar.update(5, 0);
    bar.update(10, 0, true);
    expect(tty.writes.every((w) => w.startsWith('\r'))).toBe(true);
    expect(tty.writes.at(-1)!.endsWith('\n')).toBe(true);
    expect(tty.writes.at(-1)).toMatch(/100% 10\/10/);
    const log = fakeStream(false);
    const seen: number[] = [];
    const lines = new Progress('pack', 100, { mode: 'lines', stream: log.stream, onUpdate: (p) => seen.push(p.done) });
    for (let i = 1; i <= 100; i++) lines.update(i, 0, i === 100);
    expect(seen.length).toBe(100);
    expect(log.writes.length).toBeLessThanOrEqual(2);  // the first line, then throttled to every 2 s, then the final one
    expect(log.writes.at(-1)).toMatch(/^pack: 100\.0% 100\/100/);
    const quiet = fakeStream(true);
    new Progress('pack', 1, { mode: 'none', stream: quiet.stream }).update(1, 0, true);
    expect(quiet.writes).toEqual([]);
  });
});
