// Download progress: the onProgress callback sees every download advance and end; the status
// line is drawn only on a terminal (or when asked), and says how much is done of how much.
import { describe, expect, it } from 'vitest';
import { DownloadProgress, type DownloadEvent } from '../src/remote/progress.js';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('DownloadProgress', () => {
  it('calls onProgress per chunk and once at the end; draws on a terminal, not in a log', () => {
    const events: DownloadEvent[] = [];
    const tty = fakeStream(true);
    const p = new DownloadProgress('auto', (e) => events.push(e), tty);
    p.update('http://h/a', 1024, 5120);  // resumed: 1 KiB was already there
    p.update('http://h/a', 5120, 5120);
    p.done('http://h/a');
    expect(events.map((e) => [e.received, e.total, e.done])).toEqual([[1024, 5120, false], [5120, 5120, false], [5120, 5120, true]]);
    expect(tty.text).toMatch(/fetching 1 shard\(s\): 1 KiB of 5 KiB/);
    expect(tty.text).toMatch(/fetched 4 KiB at .*\/s\n$/);
    const log = fakeStream(false);
    const quiet = new DownloadProgress('auto', undefined, log);
    quiet.update('http://h/b', 10, 20);
    quiet.done('http://h/b');
    expect(log.text).toBe('');
    const forced = fakeStream(false);
    const on = new DownloadProgress(true, undefined, forced);
    on.update('http://h/c', 10, 20);
    on.done('http://h/c');
    expect(forced.text).toMatch(/fetched/);
  });
});
