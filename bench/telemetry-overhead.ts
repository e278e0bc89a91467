// What the pool's stage timing costs: the same workload through two loaders in one process, one
// with `stageTimes: true` (the default) and one with `stageTimes: false`, epochs alternating
// A B A B ..., so drift and the machine's load fall on both alike. Prints, per workload, the
// median items/s and CPU µs per item (all threads, process.cpuUsage) of each side and the
// median of the pairwise ratios.
//   node --expose-gc --import tsx bench/telemetry-overhead.ts EXAMPLE1_DIR EXAMPLE2_DIR [ROUNDS]
// (the directories `npm run bench` writes under bench/.data)
import { listFiles } from '../src/files.js';
import { DataLoader, ImageFilesDataset, TextTensorDataset, type DataLoaderOptions } from '../src/index.js';

const [ex1Dir, ex2Dir, roundsArg] = process.argv.slice(2);
if (!ex1Dir || !ex2Dir) throw new Error('usage: telemetry-overhead.ts EXAMPLE1_DIR EXAMPLE2_DIR [ROUNDS]');
const rounds = Number(roundsArg ?? 15);

interface Workload {
  name: string;
  make: (stageTimes: boolean) => DataLoader<any>;
  /** Epochs per measurement, so each lasts a few hundred milliseconds. */
  epochs: number;
}

const text = new TextTensorDataset(ex1Dir, { length: 10 });
const images = new ImageFilesDataset(listFiles(ex2Dir), { size: [64, 64] });
const workloads: Workload[] = [
  { name: 'Example 1 at the defaults (batch 32, prefetch 2)', make: (stageTimes) => new DataLoader(text, { batchSize: 32, stageTimes }), epochs: 10 },
  { name: 'Example 1, prefetch 8 (examples/example1.ts)', make: (stageTimes) => new DataLoader(text, { batchSize: 32, prefetch: 8, stageTimes }), epochs: 10 },
  { name: 'Example 2 (PNG 100x100 -> 64x64 float CHW, batch 32, prefetch 4)', make: (stageTimes) => new DataLoader(images, { batchSize: 32, prefetch: 4, stageTimes } as DataLoaderOptions<any>), epochs: 2 },
];

async function measure(loader: DataLoader<any>, epochs: number): Promise<{ itemsPerSec: number; cpuUsPerItem: number }> {
  let items = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) for await (const batch of loader) items += batch.size;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { itemsPerSec: items / seconds, cpuUsPerItem: (cpu.user + cpu.system) / items };
}

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

for (const w of workloads) {
  const on = w.make(true);
  const off = w.make(false);
  await measure(on, 1);
  await measure(off, 1);
  const a: Array<{ itemsPerSec: number; cpuUsPerItem: number }> = [];
  const b: typeof a = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate which side goes first, so neither always follows the other.
    if (r % 2 === 0) {
      a.push(await measure(on, w.epochs));
      b.push(await measure(off, w.epochs));
    } else {
      b.push(await measure(off, w.epochs));
      a.push(await measure(on, w.epochs));
    }
  }
  const speed = median(a.map((x, i) => x.itemsPerSec / b[i]!.itemsPerSec));
  const cpu = median(a.map((x, i) => x.cpuUsPerItem / b[i]!.cpuUsPerItem));
  console.log(
    `${w.name}: timed ${median(a.map((x) => x.itemsPerSec)).toFixed(0)} items/s, ${median(a.map((x) => x.cpuUsPerItem)).toFixed(2)} CPU µs/item; ` +
      `untimed ${median(b.map((x) => x.itemsPerSec)).toFixed(0)} items/s, ${median(b.map((x) => x.cpuUsPerItem)).toFixed(2)} CPU µs/item; ` +
      `timed/untimed (median of ${rounds} pairs): items/s ${speed.toFixed(3)}, CPU per item ${cpu.toFixed(3)}`,
  );
  on.close();
  off.close();
}
