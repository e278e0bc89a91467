// Batch lifetime: release() detaches views and returns the slot; a forgotten batch is returned
// by its finalizer after GC; close() and early exits free everything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackpressureError, DataLoader, TextTensorDataset, nativeCounters, type Batch } from '../src/index.js';
import { makeTextFolder, settleFinalizers, type TextFolder } from './helpers/text-files.js';

let folder: TextFolder;
let ds: TextTensorDataset;
beforeAll(() => {
  folder = makeTextFolder(64, 10, 3);
  ds = new TextTensorDataset(folder.dir, { length: 10 });
});
afterAll(() => folder.cleanup());

async function first(loader: DataLoader): Promise<Batch> {
  for await (const batch of loader) return batch.retain();
  throw new Error('empty loader');
}

describe('batch lifetime', () => {
  it('a view used after release() has length 0 and the slot is free again', async () => {
    const loader = new DataLoader(ds, { batchSize: 8 });
    const batch = await first(loader);
    const view = batch.data;
    const alias = new Float32Array(view.buffer);
    expect(view.length).toBe(80);
    expect(loader.stats().slotsLeased).toBe(1);
    batch.release();
    expect(view.length).toBe(0);
    expect(alias.length).toBe(0);
    expect(view.buffer.byteLength).toBe(0);
    expect(batch.released).toBe(true);
    expect(loader.stats().slotsLeased).toBe(0);
    batch.release(); // idempotent
    loader.close();
  });

  it('Symbol.dispose releases (using)', async () => {
    const loader = new DataLoader(ds, { batchSize: 8 });
    {
      using batch = await first(loader);
      expect(batch.data.length).toBe(80);
      expect(loader.stats().slotsLeased).toBe(1);
    }
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('a loop releases each batch when it moves on, unless retained', async () => {
    const loader = new DataLoader(ds, { batchSize: 8 });
    const seen: Batch[] = [];
    for await (const batch of loader) {
      seen.push(batch);
      if (batch.number === 2) batch.retain();
    }
    expect(seen.filter((b) => b.released).length).toBe(seen.length - 1);
    expect(seen[2]!.data.length).toBe(80);
    expect(loader.stats().slotsLeased).toBe(1);
    seen[2]!.release();
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('an un-released batch is reclaimed after GC', async () => {
    expect(typeof globalThis.gc).toBe('function');
    const loader = new DataLoader(ds, { batchSize: 8 });
    await (async () => {
      const batch = await first(loader);
      expect(batch.data[0]).toBeTypeOf('number');
    })();
    expect(loader.stats().slotsLeased).toBe(1);
    await settleFinalizers();
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('a kept view keeps its slot (never overwritten) until the view itself is collected', async () => {
    const loader = new DataLoader(ds, { batchSize: 8, slots: 3, prefetch: 1 });
    let view: Float32Array | undefined = await (async () => (await first(loader)).data)();
    const before = Array.from(view);
    await settleFinalizers();
    expect(loader.stats().slotsLeased).toBe(1); // the Batch is gone, its memory is not
    for await (const _ of loader) {
      // other batches cycle through the remaining slots
    }
    expect(Array.from(view)).toEqual(before);
    view = undefined;
    await settleFinalizers();
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('an early break frees every slot', async () => {
    const loader = new DataLoader(ds, { batchSize: 4, prefetch: 4 });
    let n = 0;
    for await (const _ of loader) {
      if (++n === 2) break;
    }
    expect(loader.stats().slotsLeased).toBe(0);
    expect(loader.stats().pending).toBe(0);
    loader.close();
  });

  it('an error thrown in the loop body frees every slot', async () => {
    const loader = new DataLoader(ds, { batchSize: 4, prefetch: 3 });
    await expect(
      (async () => {
        for await (const _ of loader) throw new Error('boom');
      })(),
    ).rejects.toThrow('boom');
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('close() detaches held views and frees the arena and the threads', async () => {
    const base = nativeCounters();
    const loader = new DataLoader(ds, { batchSize: 8, threads: 2 });
    expect(nativeCounters().arenaBytes).toBeGreaterThan(base.arenaBytes);
    expect(nativeCounters().poolThreads).toBe(base.poolThreads + 2);
    const batch = await first(loader);
    loader.close();
    expect(batch.data.length).toBe(0);
    expect(loader.stats().arenaBytes).toBe(0);
    const after = nativeCounters();
    expect(after.arenaBytes).toBe(base.arenaBytes);
    expect(after.poolThreads).toBe(base.poolThreads);
    expect(after.ioRings).toBe(base.ioRings); // each pool thread's ring goes with its thread
    expect(after.slotsLeased).toBe(base.slotsLeased);
    batch.release(); // harmless after close
    await expect(first(loader)).rejects.toMatchObject({ code: 'ECLOSED' });
  });

  it('holding every slot gives a BackpressureError that says what to do', async () => {
    const loader = new DataLoader(ds, { batchSize: 4, slots: 2, prefetch: 1, slotTimeoutMs: 200 });
    const held: Batch[] = [];
    const err = await (async () => {
      try {
        for await (const batch of loader) held.push(batch.retain());
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(BackpressureError);
    expect((err as BackpressureError).message).toMatch(/all 2 slots.*release\(\).*slots.*copy: true/s);
    expect(held.length).toBe(2);
    held.forEach((b) => b.release());
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('copy: true batches own their memory', async () => {
    const loader = new DataLoader(ds, { batchSize: 8, copy: true, slots: 1, prefetch: 1 });
    const kept: Batch[] = [];
    for await (const batch of loader) kept.push(batch);
    expect(kept.length).toBe(8);
    expect(kept.every((b) => !b.borrowed && b.data.length === 80)).toBe(true);
    expect(Array.from(kept[7]!.data.subarray(0, 10))).toEqual(Array.from(folder.values[56]!));
    expect(loader.stats().slotsLeased).toBe(0);
    loader.close();
  });

  it('reports the arena to V8 as external memory while open, and takes it back on close', () => {
    // V8's figure is read back from V8 (napi_adjust_external_memory(env, 0) returns its total),
    // and the arena's size from the core's process-wide arena gauge: neither is the loader's own
    // bookkeeping. process.memoryUsage().external cannot serve on Node 20: it counts only
    // ArrayBuffer backing stores there, so a 10 MiB arena moves it by a few bytes.
    const before = nativeCounters();
    const loader = new DataLoader(ds, { batchSize: 4096, slots: 64 });
    const s = loader.stats();
    const open = nativeCounters();
    expect(s.arenaBytes).toBeGreaterThanOrEqual(64 * 4096 * 40);
    expect(open.arenaBytes - before.arenaBytes).toBe(s.arenaBytes);
    expect(open.arenasLive - before.arenasLive).toBe(1);
    expect(open.v8ExternalBytes - before.v8ExternalBytes).toBe(s.arenaBytes);
    expect(s.externalBytes).toBe(s.arenaBytes);
    loader.close();
    const closed = nativeCounters();
    expect(loader.stats().externalBytes).toBe(0);
    expect(closed.v8ExternalBytes).toBe(before.v8ExternalBytes);
    expect(closed.arenaBytes).toBe(before.arenaBytes);
    expect(closed.arenasLive).toBe(before.arenasLive);
  });
});
