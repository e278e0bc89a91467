// Micro benchmarks of single operations with benny: parsing one Example 1 file, decoding one PNG.
import b from 'benny';
import { readFileSync } from 'node:fs';
import { ImageFilesDataset, TextTensorDataset } from '../src/index.js';
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
  const png = listFiles(imageDir).slice(0, 1);
  const seed = new ImageFilesDataset(png, { size: [64, 64] });
  const decodeOnly = new ImageFilesDataset(png, { size: [100, 100], dtype: 'uint8', layout: 'HWC' });
  await b.suite(
    'one 100x100 PNG of the seed Example 2, on the calling thread',
    b.add('decode + copy at full size (100x100 uint8 HWC)', () => {
      decodeOnly.get(0);
    }, opts),
    b.add('decode + resize 64x64 bicubic + float CHW /255', () => {
      seed.get(0);
    }, opts),
    b.cycle(),
    b.complete((summary) => {
      for (const r of summary.results) results.push({ name: r.name, opsPerSec: r.ops });
    }),
  );
  return results;
}
