// Download progress: the onProgress callback sees every download advance and end; the shared
// progress reporter (a cli-progress bar on a terminal, throttled lines elsewhere) is opt-in and
// counts the shards of a run of downloads with the bytes received.
import { describe, expect, it } from 'vitest';
import { DownloadProgress, type DownloadEvent } from '../src/remote/progress.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns: 120, text: '', write(chunk: string) { s.text += chunk; return true; }, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => s, removeListener: () => s };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('DownloadProgress', () => {
  it('calls onProgress per chunk and once at the end; draws nothing unless asked', () => {
    const events: DownloadEvent[] = [];
    const tty = fakeStream(true);
    const p = new DownloadProgress(false, (e) => events.push(e), tty);
    p.update('http://h/a', 1024, 5120);  // resumed: 1 KiB was already there
    p.update('http://h/a', 5120, 5120);
    p.done('http://h/a');
    expect(events.map((e) => [e.received, e.total, e.done])).toEqual([[1024, 5120, false], [5120, 5120, false], [5120, 5120, true]]);
    expect(tty.text).toBe('');
  });

  it('true: a cli-progress bar on a terminal over the shards of a run, bytes received; lines in a log; auto: the bar only on a terminal', () => {
    const tty = fakeStream(true);
    const bar = new DownloadProgress(true, undefined, tty);
    bar.update('http://h/a', 1024, 5120);
    bar.update('http://h/b', 0, 4096);  // a second download joins the run
    bar.update('http://h/a', 5120, 5120);
    bar.done('http://h/a');
    bar.update('http://h/b', 4096, 4096);
    bar.done('http://h/b');
    expect(tty.text).toMatch(/fetching shards \[#{24}\] 100% 2\/2 .* 8 KiB ETA/);
    expect(tty.text.endsWith('\n')).toBe(true);
    const log = fakeStream(false);
    const lines = new DownloadProgress(true, undefined, log);
    lines.update('http://h/c', 10, 20);
    lines.update('http://h/c', 20, 20);
    lines.done('http://h/c');
    expect(log.text).toMatch(/^fetching shards: 0\.0% 0\/1/);
    expect(log.text).toMatch(/fetching shards: 100\.0% 1\/1 .*ETA 0:00\n$/);
    const auto = fakeStream(false);
    const quiet = new DownloadProgress('auto', undefined, auto);
    quiet.update('http://h/d', 10, 20);
    quiet.done('http://h/d');
    expect(auto.text).toBe('');
  });
});
