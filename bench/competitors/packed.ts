// Packed-file benchmarks, one measurement per process; prints one JSON line.
//   pack SOURCE_DIR OUT KIND             packs (KIND: text, or images64 = 64x64 uint8 HWC) and reports items/s
//   read PACKED EPOCHS BATCH [float|raw]  DataLoader over the packed file in order, 8 batches ahead as
//                                        Example 1's loader (float: the image field to float32 CHW)
//   memcpy BYTES_PER_ITEM ITEMS EPOCHS   the limit: every core copying ITEMS x BYTES_PER_ITEM from a
//                                        source into batch-sized buffers, as the loader fills its slots
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DataLoader, ImageFilesDataset, PackedDataset, TextTensorDataset, listFiles, pack } from '../../src/index.js';
import { BYTES, elementsOf } from '../../src/dataset.js';
import { peakRss, printResult, timeEpochs } from '../lib/timing.js';

const [mode, ...args] = process.argv.slice(2);

async function packMode(dir: string, out: string, kind: string): Promise<void> {
  const source = kind === 'text' ? new TextTensorDataset(dir, { length: 10 }) : new ImageFilesDataset(listFiles(dir), { size: 64, dtype: 'uint8', layout: 'HWC' });
  const r = await pack(source, out);
  console.log(JSON.stringify({ impl: 'tensorloader', items: r.records, seconds: r.seconds, itemsPerSec: r.records / r.seconds, peakRssBytes: peakRss(), bytes: r.bytes }));
}

async function readMode(path: string, epochs: number, batchSize: number, float: boolean): Promise<void> {
  const ds = new PackedDataset(path, float ? { fields: ['image'], image: { dtype: 'float32', layout: 'CHW' } } : {});
  const bytesPerItem = ds.fields.reduce((a, f) => a + elementsOf(f.shape) * BYTES[f.dtype], 0);
  const loader = new DataLoader(ds, { batchSize, prefetch: Number(process.env.PREFETCH ?? 2) });
  const epoch = async () => {
    let n = 0;
    for await (const b of loader) n += b.size;
    return n;
  };
  const timed = await timeEpochs(epochs, epoch);
  loader.close();
  printResult('tensorloader', timed, { bytesPerSec: (timed.items * bytesPerItem) / timed.seconds });
}

// Plain JS in the worker: Buffer.copy is memcpy, one item at a time into its row of a
// batch-sized buffer, as the pool threads copy records into a slot.
const COPY = `
const { parentPort, workerData: w } = require('node:worker_threads');
const src = Buffer.alloc(w.items * w.bytes, 1);
const dst = Buffer.alloc(w.batch * w.bytes);
const run = () => { for (let i = 0; i < w.items; i++) { const row = i % w.batch; src.copy(dst, row * w.bytes, i * w.bytes, (i + 1) * w.bytes); } };
run();
parentPort.postMessage('ready');
parentPort.once('message', () => { const t0 = performance.now(); for (let e = 0; e < w.epochs; e++) run(); parentPort.postMessage((performance.now() - t0) / 1000); });`;

async function memcpyMode(bytes: number, items: number, epochs: number): Promise<void> {
  const threads = availableParallelism();
  const per = Math.ceil(items / threads);
  const workers = Array.from({ length: threads }, () => new Worker(COPY, { eval: true, workerData: { bytes, items: per, batch: 256, epochs } }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const t0 = performance.now();
  workers.forEach((w) => w.postMessage('go'));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  const total = per * threads * epochs;
  printResult('memcpy', { items: total, seconds }, { bytesPerSec: (total * bytes) / seconds });
}

if (mode === 'pack') await packMode(args[0]!, args[1]!, args[2]!);
else if (mode === 'read') await readMode(args[0]!, Number(args[1]), Number(args[2]), args[3] === 'float');
else if (mode === 'memcpy') await memcpyMode(Number(args[0]), Number(args[1]), Number(args[2]));
else throw new Error(`unknown mode ${mode}`);
process.exit(0);
