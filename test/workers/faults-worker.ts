// Runs inside a worker thread for test/faults.test.ts: iterates a loader epoch after epoch
// (one batch retained and never released), tells the parent once batches are in flight, and
// waits to be terminated mid-flight by worker.terminate().
import { parentPort, workerData } from 'node:worker_threads';
import { DataLoader, ImageFilesDataset, NpyDataset, TextTensorDataset, nativeCounters, type NativeDataset } from '../../src/index.js';

const { kind, images, text, npy } = workerData as { kind: string; images: string[]; text: string[]; npy: string };
const ds: NativeDataset =
  kind === 'images'
    ? new ImageFilesDataset(images, { size: [64, 64] })
    : kind === 'text'
      ? new TextTensorDataset(text, { length: 10 })
      : new NpyDataset(npy);
const loader = new DataLoader(ds as NativeDataset<Float32Array>, { batchSize: 8, prefetch: 4, threads: 2 });
let told = false;
for (;;) {
  for await (const batch of loader) {
    if (!told) {
      batch.retain();
      const s = loader.stats();
      parentPort!.postMessage({ inFlight: s.slotsLeased - 1, poolThreads: nativeCounters().poolThreads });
      told = true;
    }
  }
}
