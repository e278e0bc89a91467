// The seed's Example 1 written the tensorloader way: small text files of numbers, read and
// parsed per item on native threads, batched into a fixed arena.
import { DataLoader, TextTensorDataset } from '../src/index.js';

export function example1Loader(dir: string, options: { batchSize?: number; threads?: number; shuffle?: boolean } = {}): DataLoader {
  const dataset = new TextTensorDataset(dir, { length: 10 });
  // Items this small take microseconds each, so a batch is ready long before the JS thread
  // asks; a deeper queue (8 batches, 10 KiB here) keeps the pool threads from going to sleep
  // between batches. The loader's default chooses the same depth from the batches' measured
  // fill time; set here, it holds from the first batch.
  return new DataLoader(dataset, {
    batchSize: options.batchSize ?? 32,
    threads: options.threads,
    shuffle: options.shuffle ?? false,
    seed: 0,
    prefetch: 8,
  });
}

/** One epoch; returns the number of items and a checksum so the work cannot be skipped. */
export async function example1Epoch(loader: DataLoader): Promise<{ items: number; checksum: number }> {
  let items = 0;
  let checksum = 0;
  for await (const batch of loader) {
    items += batch.size;
    checksum += batch.data[batch.data.length - 1]!;
  }
  return { items, checksum };
}
