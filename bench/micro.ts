// Micro benchmarks of single operations with benny: parsing one Example 1 file.
import b from 'benny';
import { readFileSync } from 'node:fs';
import { TextTensorDataset } from '../src/index.js';

export async function microBenchmarks(dir: string, quick: boolean): Promise<Array<{ name: string; opsPerSec: number }>> {
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
  return results;
}
