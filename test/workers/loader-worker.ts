// Runs inside a worker thread: reads batches, keeps one un-released, and (depending on the
// mode) closes the loader or just lets the thread end, to prove environment teardown frees all.
import { parentPort, workerData } from 'node:worker_threads';
import { DataLoader, TextTensorDataset } from '../../src/index.js';

const { dir, mode } = workerData as { dir: string; mode: 'close' | 'abandon' | 'exit-in-flight' };
const ds = new TextTensorDataset(dir, { length: 10 });
const loader = new DataLoader(ds, { batchSize: 8, threads: 2, prefetch: 3 });
let rows = 0;
let sum = 0;
for await (const batch of loader) {
  rows += batch.size;
  sum += batch.data.reduce((a, b) => a + b, 0);
  if (batch.number === 1) batch.retain();
  if (mode === 'exit-in-flight' && batch.number === 2) {
    parentPort!.postMessage({ rows, sum });
    process.exit(0); // ends only this worker, with batches still decoding on the pool
  }
}
parentPort!.postMessage({ rows, sum });
if (mode === 'close') loader.close();
