// Micro benchmarks of single operations with benny: parsing one Example 1 file; one batch of
// tiny packed records through the DataLoader (its fixed cost: submit, the pool's wake-up, the
// completion hop to the JS thread, the batch's buffer and views, release); reading, decoding,
// resizing and normalising one PNG.
import b from 'benny';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader, ImageFilesDataset, PackedDataset, TextTensorDataset, pack, type Batch } from '../src/index.js';
import { listFiles } from '../src/files.js';

export async function microBenchmarks(dir: string, imageDir: string, quick: boolean): Promise<Array<{ name: string; opsPerSec: number }>> {
  const ds = new TextTensorDataset(dir, { length: 10 });
  const file = ds.files[0]!;
  const results: Array<{ name: string; opsPerSec: number }> = [];
  const opts = quick ? { minTime: 0.2, maxTime: 0.5 } : { minTime: 1, maxTime: 3 };
  await b.suite(
    'read + parse one Example 1 file (10 floats), on the calling thread',
    b.add('tensorloader dataset.get(i) (native open/read/parse)', () => {
      ds.get(0);
    }, opts),
    b.add('plain Node readFileSync + split + Float32Array', () => {
      Float32Array.from(readFileSync(file, 'utf8').replace(/[[\]]/g, ' ').trim().split(/\s+/), Number);
    }, opts),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) results.push({ name: r.name, opsPerSec: r.ops });
    }),
  );
  // One batch's fixed cost: Example 1's records packed (40 bytes each, a memcpy per item), so
  // what is measured is the loader's own work per batch, with the default prefetch.
  const tmp = mkdtempSync(join(tmpdir(), 'tl-micro-'));
  try {
    const packedFile = join(tmp, 'example1.tlpack');
    await pack(ds, packedFile);
    const loaders = [1, 32].map((batchSize) => new DataLoader(new PackedDataset(packedFile), { batchSize }));
    const nextBatch = loaders.map((loader) => {
      let it: AsyncIterator<Batch<Float32Array>> = loader[Symbol.asyncIterator]() as AsyncIterator<Batch<Float32Array>>;
      return async (): Promise<void> => {
        let r = await it.next();
        if (r.done) {
          it = loader[Symbol.asyncIterator]() as AsyncIterator<Batch<Float32Array>>;
          r = await it.next();
        }
      };
    });
    await b.suite(
      'one DataLoader batch of tiny packed records (the fixed cost of a batch), default prefetch',
      b.add('batch of 1 record', nextBatch[0]!, opts),
      b.add('batch of 32 records (Example 1 at the defaults, without its files)', nextBatch[1]!, opts),
      b.cycle(),
      b.complete((summary) => {
        for (const r of summary.results) results.push({ name: r.name, opsPerSec: r.ops });
      }),
    );
    for (const loader of loaders) loader.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // One PNG through three pipelines. Output size matters as much as the stages: the full-size
  // copy writes 100x100 values against 64x64 for the others.
  const png = listFiles(imageDir).slice(0, 1);
  const decode = new ImageFilesDataset(png, { size: [100, 100], dtype: 'uint8', layout: 'HWC', kernel: 'nearest' });
  const resize = new ImageFilesDataset(png, { size: [64, 64], dtype: 'uint8', layout: 'HWC' });
  const normalise = new ImageFilesDataset(png, { size: [64, 64], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  await b.suite(
    'one 100x100 PNG of the seed Example 2, three pipelines, on the calling thread',
    b.add('read + decode, full-size uint8 copy (100x100)', () => {
      decode.get(0);
    }, opts),
    b.add('read + decode + bicubic resize to 64x64 uint8', () => {
      resize.get(0);
    }, opts),
    b.add('read + decode + resize + float CHW mean/std', () => {
      normalise.get(0);
    }, opts),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) results.push({ name: r.name, opsPerSec: r.ops });
    }),
  );
  return results;
}
