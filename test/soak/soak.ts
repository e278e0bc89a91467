// `npm run soak -- --minutes N`: image, text and packed loaders at once, for N minutes, with
// shuffling, aborts, early breaks, forgotten and late-released batches, worker threads that
// finish or are terminated mid-flight, and values checked every round. Each round is one epoch
// of the leak audit: RSS, heap, external memory, descriptors, arena, mappings and slots over
// time, as a table and an SVG chart; exit code 1 on growth or on any unexpected error.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { writeImageData, writeTextData } from '../../examples/data.js';
import { audit, Batch, DataLoader, ImageFilesDataset, listFiles, PackedDataset, pack, reportSvg, reportTable, TextTensorDataset, Xoshiro128 } from '../../src/index.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '2' }, out: { type: 'string', default: 'soak-output' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${values.minutes}`);
const out = resolve(values.out!);

const tmp = mkdtempSync(join(tmpdir(), 'tl-soak-'));
const textDir = join(tmp, 'text');
const imageDir = join(tmp, 'images');
const packed = join(tmp, 'images.tlpack');
const text = writeTextData(textDir, 2000, 10, 1);
writeImageData(imageDir, 300, 48, 2);
const labels = listFiles(imageDir).map((_, i) => i % 10);
const images = new ImageFilesDataset(listFiles(imageDir), { size: 32, mean: [0.5], std: [0.5], labels });
await pack(new ImageFilesDataset(listFiles(imageDir), { size: 32, dtype: 'uint8', layout: 'HWC', labels }), join(tmp, 'p.tlpack'), { shardSize: 128 });
await pack(images, packed, { encoded: true });

const rng = new Xoshiro128(7);
const coin = (p: number) => rng.nextFloat() < p;
const textLoader = new DataLoader(new TextTensorDataset(textDir, { length: 10 }), { batchSize: 32, shuffle: true, seed: 1, prefetch: 4 });
const packedSet = new PackedDataset(join(tmp, 'p-*.tlpack'), { image: { dtype: 'float32', mean: [0.5], std: [0.5] } });
const packedLoader = new DataLoader(packedSet, { batchSize: 32, shuffle: true, seed: 3, slots: 8 });
const retained: Batch<any>[] = [];
const problems: string[] = [];

function check(what: string, ok: boolean): void {
  if (!ok && problems.length < 20) problems.push(what);
}

async function textEpoch(): Promise<number> {
  let n = 0;
  const stopAt = coin(0.3) ? Math.floor(rng.nextFloat() * textLoader.length) : -1;
  for await (const batch of textLoader) {
    const r = Math.floor(rng.nextFloat() * batch.size);
    check('text values', batch.data[r * 10 + 3] === text.values[batch.indices[r]!]![3]);
    n += batch.size;
    if (batch.number === stopAt) break;  // early break: the loader frees what is in flight
  }
  return n;
}

// A new loader every round (created and closed: arena, pool and all), aborted now and then.
async function imageEpoch(epoch: number): Promise<number> {
  let n = 0;
  const ac = new AbortController();
  const loader = new DataLoader(images, { batchSize: 16, shuffle: true, seed: 2, epoch, threads: 2, signal: ac.signal });
  const timer = coin(0.3) ? setTimeout(() => ac.abort(new Error('soak abort')), rng.nextFloat() * 200) : undefined;
  try {
    for await (const batch of loader) {
      const i = batch.indices[0]!;
      if (coin(0.05)) check('image values', Buffer.from((batch.data as Float32Array).buffer, batch.data.byteOffset, 3 * 32 * 32 * 4).equals(Buffer.from(images.get(i).buffer)));
      n += batch.size;
    }
  } catch (e) {
    if ((e as Error).message !== 'soak abort') throw e;
  } finally {
    clearTimeout(timer);
    loader.close();
  }
  return n;
}

async function packedEpoch(): Promise<number> {
  let n = 0;
  for await (const batch of packedLoader) {
    const r = Math.floor(rng.nextFloat() * batch.size);
    check('packed label', (batch.fields.label!.data as Int32Array)[r] === batch.indices[r]! % 10);
    if (coin(0.02)) {
      const row = (batch.data as Float32Array).subarray(r * 3072, (r + 1) * 3072);
      check('packed values', Buffer.from(row.buffer, row.byteOffset, row.byteLength).equals(Buffer.from(packedSet.get(batch.indices[r]!).image!.buffer)));
    }
    if (coin(0.1)) retained.push(batch.retain());  // released later, or forgotten
    n += batch.size;
  }
  // Release some retained batches now; forget others (their finalizer returns the slot).
  while (retained.length > 0) {
    const b = retained.pop()!;
    if (coin(0.7)) b.release();
  }
  return n;
}

function workerRound(): Promise<number> {
  return new Promise((done, fail) => {
    const w = new Worker(new URL('../workers/bootstrap.mjs', import.meta.url), {
      workerData: { packed, textDir, seed: Math.floor(rng.nextFloat() * 1e6), script: new URL('./worker.ts', import.meta.url).href },
    });
    let rows = 0;
    // Terminated mid-flight, after its loaders started: a worker terminated while node is still
    // importing its modules leaks the descriptors of the source files being read (node's own
    // behaviour, nothing of ours is open yet), which would hide ours.
    const killAfter = coin(0.4) ? rng.nextFloat() * 100 : -1;
    let kill: NodeJS.Timeout | undefined;
    w.on('message', (m: { rows?: number; started?: boolean }) => {
      if (m.started && killAfter >= 0) kill = setTimeout(() => void w.terminate(), killAfter);
      if (m.rows !== undefined) rows = m.rows;
    });
    w.on('error', fail);
    w.on('exit', () => {
      clearTimeout(kill);
      done(rows);
    });
  });
}

async function round(epoch: number): Promise<number> {
  const counts = await Promise.all([textEpoch(), imageEpoch(epoch), packedEpoch(), workerRound()]);
  return counts.reduce((a, b) => a + b, 0);
}

// One calibration round sets how many rounds fit in the time.
const t0 = performance.now();
await round(0);
const perRound = (performance.now() - t0) / 1000;
const rounds = Math.max(8, Math.floor((minutes * 60) / perRound));
console.log(`soak: ${rounds} rounds of ~${perRound.toFixed(2)} s (text + images + packed + a worker thread each), ${minutes} min`);
// The audit's default thresholds are per epoch, made for ~20 epochs; a soak has hundreds of
// rounds, so its bounds are on the whole run: a few descriptors, no mapping or slot, and
// memory within what allocator and JIT noise explain.
const total = (amount: number) => amount / rounds;
const report = await audit((e) => round(e + 1), {
  epochs: rounds,
  warmupEpochs: Math.min(5, Math.floor(rounds / 4)),
  thresholds: {
    fds: total(2),
    liveMappings: total(0.5),
    slotsLeased: total(0.5),
    heapUsed: total(8 * 2 ** 20),
    external: total(8 * 2 ** 20),
    arrayBuffers: total(8 * 2 ** 20),
    // Under AddressSanitizer RSS grows by design (its quarantine).
    rss: process.env.TENSORLOADER_SANITIZER === '1' ? Infinity : total(32 * 2 ** 20),
  },
  onEpoch: (e, s) => {
    if (e % 5 === 0 || e === rounds - 1) {
      console.log(`soak: round ${e + 1}/${rounds}, ${Math.round(s.itemsPerSec)} items/s, RSS ${(s.rss / 2 ** 20).toFixed(1)} MiB, fds ${s.fds}, arena ${(s.arenaBytes / 2 ** 20).toFixed(1)} MiB, slots leased ${s.slotsLeased}`);
    }
  },
});
for (const l of [textLoader, packedLoader]) l.close();
console.log(reportTable(report, 'soak'));
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'soak.json'), JSON.stringify({ rounds, perRound, problems, report }, null, 2) + '\n');
writeFileSync(join(out, 'soak.svg'), reportSvg(report, `tensorloader soak: ${rounds} rounds, ${minutes} min`));
console.log(`soak: wrote ${join(out, 'soak.svg')} and soak.json`);
rmSync(tmp, { recursive: true, force: true });
for (const p of problems) console.error(`soak: wrong values: ${p}`);
process.exit(report.leaks || problems.length > 0 ? 1 : 0);
