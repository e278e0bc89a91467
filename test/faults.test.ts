// Faults injected while loaders run: files deleted, truncated or replaced under a running
// loader (small text and image files, a large mapped text file, a mapped .npy), errors thrown by
// a user's get(i), collate or loop body, and process.exit / worker termination with batches in
// flight. Each ends in a typed error or a clean recovery, the process alive and nothing leaked.
// (Bad files present from the start are in text-errors and image-formats-errors; a worker that
// calls process.exit mid-flight is in worker.test.)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DataLoader,
  ImageFilesDataset,
  IterableDataset,
  ItemError,
  NpyDataset,
  TensorLoaderError,
  TextTensorDataset,
  native,
  nativeCounters,
  openDescriptorCount,
  type Batch,
  type NativeDataset,
} from '../src/index.js';
import { numpyStyle, writeImageData, writeTextData } from '../examples/data.js';
import { settleFinalizers } from './helpers/text-files.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-faults-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sanitizer = process.env.TENSORLOADER_SANITIZER === '1';

// Every loop over `loader`, collecting rows by dataset index; the error that ended it, if any.
async function epoch<T extends ArrayLike<number>>(
  loader: DataLoader<T>,
  rowSize: number,
  body?: (batch: Batch<T>) => void,
): Promise<{ rows: Map<number, number[]>; error: unknown }> {
  const rows = new Map<number, number[]>();
  try {
    for await (const batch of loader) {
      for (let r = 0; r < batch.size; r++) {
        rows.set(batch.indices[r]!, Array.from((batch.data as unknown as Float32Array).subarray(r * rowSize, (r + 1) * rowSize)));
      }
      body?.(batch);
    }
  } catch (e) {
    return { rows, error: e };
  }
  return { rows, error: undefined };
}

// What a loader and the process hold once a fault is over: nothing beyond the baseline.
function expectNothingHeld(loader: DataLoader<any>, base: ReturnType<typeof nativeCounters>, fds: number | undefined): void {
  expect(loader.stats().slotsLeased).toBe(0);
  expect(loader.stats().pending).toBe(0);
  const now = nativeCounters();
  expect(now.slotsLeased).toBe(base.slotsLeased);
  expect(now.openDescriptors).toBe(0);
  expect(now.liveMappings).toBe(base.liveMappings);
  expect(openDescriptorCount()).toBe(fds);
}

// A little-endian float32 .npy (format 1.0) of `rows` x `cols` holding 0, 1, 2, ... in order.
function writeNpy(path: string, rows: number, cols: number): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = i;
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
}

describe('files deleted, truncated or replaced while a loader runs', () => {
  // Each fault is made in the loop body at batch 1, with 2 batches prefetched (items 4..11 in
  // flight): item 30 is read afterwards, by a pool thread.
  const TARGET = 30;
  const opts = { batchSize: 4, prefetch: 2, threads: 2 };
  let n = 0;
  const textFolder = () => writeTextData(join(tmp, `text-${n++}`), 48, 10, 5);

  it('text: a file deleted mid-epoch is ENOENT with index and path; skip completes the epoch without it', async () => {
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const data = textFolder();
    const ds = new TextTensorDataset(data.files, { length: 10 });
    const strict = new DataLoader(ds, opts);
    const run = await epoch(strict, 10, (b) => b.number === 1 && unlinkSync(data.files[TARGET]!));
    expect(run.error).toBeInstanceOf(ItemError);
    expect(run.error).toMatchObject({ code: 'ENOENT', index: TARGET, path: data.files[TARGET] });
    expect(run.rows.size).toBe(28); // batches 0..6; batch 7 holds item 30
    for (const [i, row] of run.rows) expect(row).toEqual(Array.from(data.values[i]!));
    expectNothingHeld(strict, base, fds);
    strict.close();

    const lenient = new DataLoader(ds, { ...opts, onError: 'skip' });
    const rest = await epoch(lenient, 10);
    expect(rest.error).toBeUndefined();
    expect([...rest.rows.keys()].sort((a, b) => a - b)).toEqual([...Array(48).keys()].filter((i) => i !== TARGET));
    expect(lenient.errors.map((e) => [e.code, e.index, e.path])).toEqual([['ENOENT', TARGET, data.files[TARGET]]]);
    expectNothingHeld(lenient, base, fds);
    lenient.close();
  });

  it('text: a file truncated mid-epoch is EEMPTY / ECOUNT; one replaced by a rename gives its new values', async () => {
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const data = textFolder();
    const ds = new TextTensorDataset(data.files, { length: 10 });
    for (const [size, code] of [[0, 'EEMPTY'], [7, 'ECOUNT']] as const) {
      writeFileSync(data.files[TARGET]!, numpyStyle(data.values[TARGET]!));
      const loader = new DataLoader(ds, opts);
      const run = await epoch(loader, 10, (b) => b.number === 1 && truncateSync(data.files[TARGET]!, size));
      expect(run.error).toMatchObject({ code, index: TARGET, path: data.files[TARGET] });
      expectNothingHeld(loader, base, fds);
      loader.close();
    }
    const fresh = Float32Array.from({ length: 10 }, (_, k) => k + 0.25);
    const loader = new DataLoader(ds, opts);
    const run = await epoch(loader, 10, (b) => {
      if (b.number !== 1) return;
      writeFileSync(join(tmp, 'new.txt'), numpyStyle(fresh));
      renameSync(join(tmp, 'new.txt'), data.files[TARGET]!);
    });
    expect(run.error).toBeUndefined();
    expect(run.rows.get(TARGET)).toEqual(Array.from(fresh));
    expect(run.rows.get(TARGET + 1)).toEqual(Array.from(data.values[TARGET + 1]!));
    expectNothingHeld(loader, base, fds);
    loader.close();
  });

  it('text and images: files renamed over again and again while epochs run give the old or the new content, whole', async () => {
    // A rename is atomic: each read sees one whole version. Pool threads read while the main
    // thread keeps swapping every file between two versions.
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const text = textFolder();
    const other = writeTextData(join(tmp, `text-${n++}`), 48, 10, 99);
    const imgA = writeImageData(join(tmp, `img-a-${n}`), 16, 24, 1);
    const imgB = writeImageData(join(tmp, `img-b-${n}`), 16, 24, 2);
    const imgLive = imgA.map((_, i) => join(tmp, `img-live-${n}-${i}.png`));
    imgA.forEach((f, i) => copyFileSync(f, imgLive[i]!));
    const imageOptions = { size: [12, 12] as [number, number], dtype: 'uint8' as const };
    const decodedA = new ImageFilesDataset(imgA, imageOptions);
    const decodedB = new ImageFilesDataset(imgB, imageOptions);
    const cases: Array<{ ds: NativeDataset; files: string[]; versions: string[][]; rowSize: number; expected: (v: number, i: number) => number[] }> = [
      { ds: new TextTensorDataset(text.files, { length: 10 }), files: text.files, versions: [text.files.map((f) => readFileSync(f, 'utf8')), other.files.map((f) => readFileSync(f, 'utf8'))], rowSize: 10, expected: (v, i) => Array.from((v === 0 ? text : other).values[i]!) },
      { ds: new ImageFilesDataset(imgLive, imageOptions), files: imgLive, versions: [imgA.map((f) => readFileSync(f, 'latin1')), imgB.map((f) => readFileSync(f, 'latin1'))], rowSize: 12 * 12 * 3, expected: (v, i) => Array.from((v === 0 ? decodedA : decodedB).get(i)) },
    ];
    for (const c of cases) {
      let stop = false;
      let swaps = 0;
      const swapper = (async () => {
        while (!stop) {
          const i = swaps % c.files.length;
          const staged = `${c.files[i]}.staged`;
          writeFileSync(staged, c.versions[(swaps >> 4) % 2]![i]!, 'latin1');
          renameSync(staged, c.files[i]!);
          swaps++;
          await new Promise((r) => setImmediate(r));
        }
      })();
      const loader = new DataLoader(c.ds as NativeDataset<Float32Array>, { batchSize: 4, prefetch: 3, threads: 2, shuffle: true, seed: 3 });
      let seen = 0;
      let epochs = 0;
      // At least 6 epochs, and on until every file was swapped a few times. The swapper runs in
      // the event loop's check phase, which a fast loader reaches rarely: bound the wait by time.
      const deadline = Date.now() + 60_000;
      for (; epochs < 6 || (swaps < 4 * c.files.length && Date.now() < deadline); epochs++) {
        const run = await epoch(loader, c.rowSize);
        expect(run.error).toBeUndefined();
        for (const [i, row] of run.rows) {
          expect([JSON.stringify(c.expected(0, i)), JSON.stringify(c.expected(1, i))]).toContain(JSON.stringify(row));
          seen++;
        }
      }
      stop = true;
      await swapper;
      expect(seen).toBe(epochs * c.files.length);
      expect(swaps).toBeGreaterThanOrEqual(4 * c.files.length);
      expectNothingHeld(loader, base, fds);
      loader.close();
    }
  }, 150_000);

  it('images: a file deleted, truncated or replaced mid-epoch: ENOENT, EDECODE, the new pixels', async () => {
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const files = writeImageData(join(tmp, `img-${n++}`), 48, 32, 4);
    const replacement = writeImageData(join(tmp, `img-${n++}`), 1, 32, 5)[0]!;
    const options = { size: [16, 16] as [number, number], dtype: 'uint8' as const };
    const ds = new ImageFilesDataset(files, options);
    const original = Array.from(ds.get(TARGET));
    const faults: Array<[string, () => void, string | undefined]> = [
      ['deleted', () => renameSync(files[TARGET]!, `${files[TARGET]}.away`), 'ENOENT'],
      ['truncated', () => {
        renameSync(`${files[TARGET]}.away`, files[TARGET]!);
        truncateSync(files[TARGET]!, 1000);
      }, 'EDECODE'],
      ['replaced', () => {
        copyFileSync(replacement, `${files[TARGET]}.new`);
        renameSync(`${files[TARGET]}.new`, files[TARGET]!);
      }, undefined],
    ];
    for (const [what, fault, code] of faults) {
      const loader = new DataLoader(ds, opts);
      const run = await epoch(loader, 16 * 16 * 3, (b) => b.number === 1 && fault());
      if (code) {
        expect(run.error, what).toBeInstanceOf(ItemError);
        expect(run.error, what).toMatchObject({ code, index: TARGET, path: files[TARGET] });
        expect(run.rows.size, what).toBe(28);
      } else {
        expect(run.error, what).toBeUndefined();
        expect(run.rows.get(TARGET), what).toEqual(Array.from(new ImageFilesDataset([replacement], options).get(0)));
        expect(run.rows.get(TARGET), what).not.toEqual(original);
      }
      expectNothingHeld(loader, base, fds);
      loader.close();
    }
  });

  it('NpyDataset: truncated while a loader iterates it: ESHRUNK with index and path, earlier rows intact, all slots back', async () => {
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const path = join(tmp, 'rows.npy');
    const ROWS = 2048;
    const COLS = 256; // 1 KiB rows from byte 128: rows 0..1022 end before byte 1 MiB, row 1023 crosses it
    writeNpy(path, ROWS, COLS);
    const ds = new NpyDataset(path, { dtype: 'float32' });
    expect(nativeCounters().liveMappings).toBe(base.liveMappings + 1);
    const row = (i: number) => Array.from({ length: COLS }, (_, c) => i * COLS + c);

    const strict = new DataLoader(ds, { batchSize: 64, prefetch: 2, threads: 2 });
    const run = await epoch(strict, COLS, (b) => b.number === 2 && truncateSync(path, 1 << 20));
    expect(run.error).toBeInstanceOf(ItemError);
    const err = run.error as ItemError;
    expect(err.code).toBe('ESHRUNK');
    expect(err.index).toBe(1023); // the first row of batch 15 that crosses the new end
    expect(err.path).toBe(`${path}[1023]`);
    expect(err.reason).toMatch(/truncated while mapped/);
    expect(err.offset).toBe(128 + 1023 * COLS * 4);
    expect(run.rows.size).toBe(15 * 64);
    for (const [i, values] of run.rows) expect(values).toEqual(row(i));
    expectNothingHeld(strict, { ...base, liveMappings: base.liveMappings + 1 }, fds);

    // get(i) says the same; rows before the cut still read.
    expect(Array.from(ds.get(1022))).toEqual(row(1022));
    expect(() => ds.get(1500)).toThrow(expect.objectContaining({ code: 'ESHRUNK', index: 1500 }));

    // The loader is still usable; with skip the epoch completes with every row before the cut.
    const lenient = new DataLoader(ds, { batchSize: 64, prefetch: 2, threads: 2, onError: 'skip', shuffle: true, seed: 7 });
    const rest = await epoch(lenient, COLS);
    expect(rest.error).toBeUndefined();
    expect([...rest.rows.keys()].sort((a, b) => a - b)).toEqual([...Array(1023).keys()]);
    expect(lenient.errorCount).toBe(ROWS - 1023);
    expect(lenient.errors.every((e) => e.code === 'ESHRUNK')).toBe(true);
    expectNothingHeld(lenient, { ...base, liveMappings: base.liveMappings + 1 }, fds);
    strict.close();
    lenient.close();

    // A file already truncated is refused when opened, by the header's size check.
    expect(() => new NpyDataset(path)).toThrow(expect.objectContaining({ code: 'EDECODE' }));
    expect(nativeCounters().liveMappings).toBe(base.liveMappings + 1); // the refused one kept none
  });

  it('NpyDataset: deleted or replaced while a loader iterates it: the mapping outlives the path, rows unchanged', async () => {
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const run = async (fault: 'deleted' | 'replaced') => {
      const path = join(tmp, `${fault}.npy`);
      writeNpy(path, 512, 16);
      const mappings = nativeCounters().liveMappings;
      const ds = new NpyDataset(path, { dtype: 'float32' });
      expect(nativeCounters().liveMappings).toBe(mappings + 1);
      const loader = new DataLoader(ds, { batchSize: 32, prefetch: 2, threads: 2 });
      const got = await epoch(loader, 16, (b) => {
        if (b.number !== 1) return;
        if (fault === 'deleted') unlinkSync(path);
        else {
          writeNpy(`${path}.new`, 3, 2);
          renameSync(`${path}.new`, path);
        }
      });
      expect(got.error, fault).toBeUndefined();
      expect(got.rows.size, fault).toBe(512);
      expect(got.rows.get(511), fault).toEqual(Array.from({ length: 16 }, (_, c) => 511 * 16 + c));
      expect(loader.stats().slotsLeased).toBe(0);
      expect(openDescriptorCount()).toBe(fds);
      loader.close();
    };
    await run('deleted');
    await run('replaced');
    await settleFinalizers();
    expect(nativeCounters().liveMappings).toBe(base.liveMappings);
  });

  it('a large (>= 8 MiB, mapped) text file truncated again and again while it is read: clean errors, never a SIGBUS', { timeout: 180_000 }, async () => {
    // Another thread cuts the file to one page and writes it back, over and over. A cut that
    // lands while a pool thread copies the file out of its mapping is ESHRUNK ("truncated
    // while it was being read"); one before the read gives ECOUNT (no numbers). Without the
    // SIGBUS guard the first such cut kills the process. The file is 9 MiB of blank lines
    // before its 16 numbers, so items are quick to parse (also under ASan) and mostly copying.
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const values = Float32Array.from({ length: 16 }, (_, i) => i / 8 + 0.5);
    const text = Buffer.concat([Buffer.alloc(9 << 20, '\n'), Buffer.from(numpyStyle(values))]);
    expect(text.length).toBeGreaterThanOrEqual(native.mmapThreshold);
    const path = join(tmp, 'large.txt');
    writeFileSync(path, text);
    const ds = new TextTensorDataset(Array(8).fill(path), { length: 16 });
    const loader = new DataLoader(ds, { batchSize: 1, prefetch: 2, threads: 2, onError: 'skip' });
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const cutter = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const fs = require('node:fs');
       const { path, text, stop } = workerData;
       const flag = new Int32Array(stop);
       const fd = fs.openSync(path, 'r+');
       let cuts = 0;
       while (Atomics.load(flag, 0) === 0) {
         fs.ftruncateSync(fd, 4096);
         cuts++;
         Atomics.wait(flag, 0, 0, 1);
         fs.writeSync(fd, text, 4096, text.length - 4096, 4096);
         Atomics.wait(flag, 0, 0, 2 + (cuts % 5));
       }
       fs.closeSync(fd);
       parentPort.postMessage(cuts);`,
      { eval: true, workerData: { path, text, stop: stop.buffer } },
    );
    const cuts = new Promise<number>((resolve, reject) => {
      cutter.on('message', resolve);
      cutter.on('error', reject);
    });
    const deadline = Date.now() + (sanitizer ? 120_000 : 60_000);
    let whole = 0;
    let inCopy = 0;
    try {
      while ((inCopy === 0 || whole === 0) && Date.now() < deadline) {
        const run = await epoch(loader, 16);
        expect(run.error).toBeUndefined();
        for (const row of run.rows.values()) {
          expect(row).toEqual(Array.from(values));
          whole++;
        }
        inCopy = loader.errors.filter((e) => e.code === 'ESHRUNK' && /truncated while it was being read/.test(e.reason)).length;
      }
    } finally {
      Atomics.store(stop, 0, 1);
    }
    expect(await cuts).toBeGreaterThan(0);
    await new Promise((r) => cutter.once('exit', r));
    for (const e of loader.errors) {
      expect(e).toBeInstanceOf(ItemError);
      expect(e.path).toBe(path);
      expect(e.index).toBeLessThan(8);
      expect(['ESHRUNK', 'ECOUNT', 'EPARSE']).toContain(e.code);
    }
    expect(inCopy, `errors: ${loader.errors.map((e) => e.code).join(',')}`).toBeGreaterThan(0);
    expect(whole).toBeGreaterThan(0);
    expectNothingHeld(loader, base, fds);
    loader.close();
  });
});

describe("errors thrown by the user's code", () => {
  const items = (n: number, fail: { at: number; how: 'throw' | 'reject' | 'none' }, active: { n: number }) => ({
    length: n,
    async get(i: number) {
      active.n++;
      try {
        await new Promise((r) => setTimeout(r, i % 3));
        if (i === fail.at && fail.how === 'throw') throw new Error(`no item ${i}`);
        if (i === fail.at && fail.how === 'reject') return await Promise.reject(new Error(`no item ${i}`));
        return Float32Array.of(i, i + 0.5);
      } finally {
        active.n--;
      }
    },
  });

  it('get(i) throwing or rejecting mid-epoch: EGET with the index; in-flight gets settle; the same loader runs the next epoch', async () => {
    for (const how of ['throw', 'reject'] as const) {
      const active = { n: 0 };
      const fail = { at: 21, how: how as 'throw' | 'reject' | 'none' };
      const loader = new DataLoader<any>(items(40, fail, active), { batchSize: 4, prefetch: 3 });
      let rowsBefore = 0;
      const err = (await (async () => {
        for await (const b of loader) rowsBefore += b.size;
      })().catch((e) => e)) as ItemError;
      expect(err, how).toBeInstanceOf(ItemError);
      expect(err.code).toBe('EGET');
      expect(err.index).toBe(21);
      expect((err.cause as Error).message).toBe('no item 21');
      expect(rowsBefore).toBe(20);
      // The prefetched batches' get() calls finish on their own; nothing keeps running.
      await new Promise((r) => setTimeout(r, 50));
      expect(active.n).toBe(0);
      fail.how = 'none';
      let rows = 0;
      for await (const b of loader) rows += b.size;
      expect(rows).toBe(40);
      expect(loader.stats().slotsLeased).toBe(0);
      loader.close();
    }
  });

  it('collate throwing: ECOLLATE; a stream dataset is closed (its finally runs); the loader runs the next epoch', async () => {
    let failing = true;
    const collate = (xs: number[]) => {
      if (failing && xs.includes(13)) throw new Error('ragged');
      return xs;
    };
    let opened = 0;
    let closed = 0;
    const stream = new IterableDataset(function* () {
      opened++;
      try {
        for (let i = 0; i < 30; i++) yield i;
      } finally {
        closed++;
      }
    });
    const mapped = { length: 30, get: (i: number) => i };
    for (const ds of [stream, mapped]) {
      failing = true;
      const loader = new DataLoader<number[]>(ds, { batchSize: 5, prefetch: 2, collate });
      const err = await (async () => {
        for await (const _ of loader) {
          // batches 0 and 1 are fine; batch 2 holds item 13
        }
      })().catch((e) => e);
      expect(err).toBeInstanceOf(TensorLoaderError);
      expect(err.code).toBe('ECOLLATE');
      expect(err.cause.message).toBe('ragged');
      failing = false;
      const got: number[] = [];
      for await (const b of loader) got.push(...b.data);
      expect(got).toEqual([...Array(30).keys()]);
      loader.close();
    }
    expect(opened).toBe(2);
    expect(closed).toBe(2);
  });

  it('an exception in the for-await body with batches in flight, for every native dataset kind: slots back, pool idle, loader reusable', async () => {
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    const text = writeTextData(join(tmp, 'body-text'), 64, 10, 8);
    const images = writeImageData(join(tmp, 'body-img'), 64, 64, 8);
    writeNpy(join(tmp, 'body.npy'), 256, 8);
    const datasets: NativeDataset[] = [
      new TextTensorDataset(text.files, { length: 10 }),
      new ImageFilesDataset(images, { size: [48, 48] }),
      new NpyDataset(join(tmp, 'body.npy')),
    ];
    for (const ds of datasets) {
      const loader = new DataLoader(ds as NativeDataset<Float32Array>, { batchSize: 4, prefetch: 4, threads: 2 });
      let kept: Batch | undefined;
      const err = await (async () => {
        for await (const batch of loader) {
          if (batch.number === 0) kept = batch.retain();
          if (batch.number === 1) throw new Error('bug in the training step');
        }
      })().catch((e) => e);
      expect(err.message).toBe('bug in the training step');
      expect(loader.stats().slotsLeased).toBe(1); // only the retained batch
      expect(loader.stats().pending).toBe(0);
      kept!.release();
      expect(loader.stats().slotsLeased).toBe(0);
      let rows = 0;
      for await (const b of loader) rows += b.size;
      expect(rows).toBe(ds.length);
      loader.close();
    }
    await settleFinalizers();
    const now = nativeCounters();
    expect(now.slotsLeased).toBe(base.slotsLeased);
    expect(now.poolThreads).toBe(base.poolThreads);
    expect(now.arenaBytes).toBe(base.arenaBytes);
    expect(now.openDescriptors).toBe(0);
    expect(openDescriptorCount()).toBe(fds);
  });
});

describe('exits with batches in flight', () => {
  let data: { text: string[]; images: string[]; npy: string };
  beforeAll(() => {
    const dir = join(tmp, 'exit');
    mkdirSync(dir, { recursive: true });
    data = {
      text: writeTextData(join(dir, 'text'), 200, 10, 1).files,
      images: writeImageData(join(dir, 'img'), 64, 96, 1),
      npy: join(dir, 'rows.npy'),
    };
    writeNpy(data.npy, 4096, 64);
  });

  const child = join(import.meta.dirname, 'workers', 'exit-child.ts');
  it.each(['body', 'timer', 'held', 'npy', 'js'])('process.exit(7) (%s): exits 7 at once, no crash, abort or sanitizer report', (mode) => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, mode, JSON.stringify(data)], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.error, `spawn: ${r.error?.message}`).toBeUndefined(); // ETIMEDOUT if it hung
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(7);
    expect(r.stderr).not.toMatch(/abort|segmentation|fatal|terminate called|assert|Sanitizer|core dumped/i);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // Proof the exit happened with work in flight: native jobs pending or get() calls running.
    expect(report.inFlight, JSON.stringify(report)).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('worker.terminate() mid-flight frees the worker\'s threads, slots, arena and descriptors', async () => {
    await settleFinalizers(); // datasets of earlier tests go first
    const base = nativeCounters();
    const fds = openDescriptorCount();
    for (const kind of ['images', 'text', 'npy']) {
      const w = new Worker(new URL('./workers/bootstrap.mjs', import.meta.url), {
        workerData: { ...data, kind, script: new URL('./workers/faults-worker.ts', import.meta.url).href },
      });
      const started = await new Promise<{ inFlight: number; poolThreads: number }>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
      expect(started.inFlight, kind).toBeGreaterThan(0);
      expect(nativeCounters().poolThreads, kind).toBe(base.poolThreads + 2);
      const code = await w.terminate();
      expect(code, kind).toBe(1);
      const now = nativeCounters();
      expect(now.poolThreads, kind).toBe(base.poolThreads);
      expect(now.slotsLeased, kind).toBe(base.slotsLeased);
      expect(now.arenaBytes, kind).toBe(base.arenaBytes);
      expect(now.arenasLive, kind).toBe(base.arenasLive);
      expect(now.openDescriptors, kind).toBe(0);
      expect(openDescriptorCount(), kind).toBe(fds);
    }
    await settleFinalizers();
    expect(nativeCounters().liveMappings).toBe(base.liveMappings);
  });
});
