// A soak round's worker thread: reads a packed and a text loader for one epoch each, keeping
// one batch retained; once it says it started, the parent may terminate it at any moment.
import { parentPort, workerData } from 'node:worker_threads';
import { DataLoader, PackedDataset, TextTensorDataset } from '../../src/index.js';

const { packed, textDir, seed } = workerData as { packed: string; textDir: string; seed: number };
const loaders = [
  new DataLoader(new PackedDataset(packed, { image: { dtype: 'float32' } }), { batchSize: 16, shuffle: true, seed, threads: 1 }),
  new DataLoader(new TextTensorDataset(textDir, { length: 10 }), { batchSize: 64, shuffle: true, seed, threads: 1 }),
];
let rows = 0;
for (const loader of loaders) {
  for await (const batch of loader) {
    // The parent may terminate us from now on: loaders are running, module loading is over.
    if (rows === 0) parentPort!.postMessage({ started: true });
    rows += batch.size;
    if (batch.number === 1) batch.retain();
  }
}
parentPort!.postMessage({ rows });
