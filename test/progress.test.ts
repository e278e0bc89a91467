// Progress of long work: a cli-progress bar with items/s and ETA on a terminal, plain periodic
// lines otherwise, nothing when quiet; a callback sees every update. Loaders report per epoch.
import { describe, expect, it } from 'vitest';
import { DataLoader } from '../src/index.js';
import { formatLine, Progress, progressMode, type ProgressState } from '../src/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 120, write: (s: string) => (writes.push(s), true), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

describe('progress', () => {
  it('picks a bar on a terminal, lines elsewhere, nothing when quiet', () => {
    expect(progressMode(false, fakeStream(true).stream)).toBe('bar');
    expect(progressMode(false, fakeStream(false).stream)).toBe('lines');
    expect(progressMode(true, fakeStream(true).stream)).toBe('none');
  });

  it('formats percent, counts, rate, bytes and ETA', () => {
    const p: ProgressState = { done: 250, total: 1000, bytes: 3 * 2 ** 20, seconds: 5, itemsPerSec: 50, eta: 15 };
    expect(formatLine('pack x', p)).toBe('pack x: 25.0% 250/1000 50 items/s 3 MiB ETA 0:15');
    expect(formatLine('v', { ...p, eta: 3725 })).toMatch(/ETA 1:02:05$/);
    expect(formatLine('v', { ...p, eta: undefined })).toMatch(/ETA --:--$/);
    expect(formatLine('epoch 3', { ...p, bytes: 0 })).toBe('epoch 3: 25.0% 250/1000 50 items/s ETA 0:15');
  });

  it('draws a cli-progress bar on a terminal and ends it; lines are throttled', () => {
    const tty = fakeStream(true);
    const bar = new Progress('pack', 10, { mode: 'bar', stream: tty.stream });
    bar.update(5, 0);
    bar.update(10, 0, true);
    const drawn = tty.writes.join('');
    expect(drawn).toMatch(/pack \[#{24}\] 100% 10\/10 .*items\/s ETA 0:00/);
    expect(drawn.endsWith('\n')).toBe(true);
    bar.stop(); // idempotent
    const log = fakeStream(false);
    const seen: number[] = [];
    const lines = new Progress('pack', 100, { mode: 'lines', stream: log.stream, onUpdate: (p) => seen.push(p.done) });
    for (let i = 1; i <= 100; i++) lines.update(i, 0, i === 100);
    expect(seen.length).toBe(100);
    expect(log.writes.length).toBeLessThanOrEqual(2); // the first line, then throttled to every 2 s, then the final one
    expect(log.writes.at(-1)).toMatch(/^pack: 100\.0% 100\/100/);
    const quiet = fakeStream(true);
    new Progress('pack', 1, { mode: 'none', stream: quiet.stream }).update(1, 0, true);
    expect(quiet.writes).toEqual([]);
  });

  it('a loader reports every batch of each epoch to a progress function, and an early break ends it', async () => {
    const ds = { length: 50, get: (i: number) => i };
    const seen: Array<[number, number, number]> = [];
    const loader = new DataLoader(ds, { batchSize: 8, progress: (p) => seen.push([p.epoch, p.done, p.total]) });
    for await (const _ of loader) void _;
    for await (const _ of loader) break;
    expect(seen.filter(([e]) => e === 0).map(([, d]) => d)).toEqual([8, 16, 24, 32, 40, 48, 50, 50]);
    expect(seen.every(([, , t]) => t === 50)).toBe(true);
    expect(seen.filter(([e]) => e === 1).map(([, d]) => d)).toEqual([8]);
    expect(() => new DataLoader(ds, { progress: 'yes' as any })).toThrow(/progress must be/);
    const lines = new DataLoader(ds, { batchSize: 25, progress: true }); // stderr is not a terminal here: lines
    for await (const _ of lines) void _;
  });
});
