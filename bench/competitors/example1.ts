// One competitor of the Example 1 benchmark, in its own process: one warm-up epoch, then the
// timed epochs; prints one JSON line.
//   node --import tsx bench/competitors/example1.ts tensorloader|tensorloader-defaults|plain DIR EPOCHS [THREADS] [BATCH]
// tensorloader-defaults: a DataLoader with nothing but batchSize 32 (the example tunes prefetch).
import { example1Epoch, example1Loader } from '../../examples/example1.js';
import { DataLoader, TextTensorDataset } from '../../src/index.js';
import { PlainTextDataset, plainEpoch } from '../../examples/example1-plain.js';
import { printResult, timeEpochs } from '../lib/timing.js';

const [impl, dir, epochsArg, threadsArg, batchArg] = process.argv.slice(2);
const epochs = Number(epochsArg ?? 5);
let runEpoch: () => Promise<{ items: number }>;
if (impl === 'tensorloader') {
  const loader = example1Loader(dir!, { threads: threadsArg && threadsArg !== '0' ? Number(threadsArg) : undefined, batchSize: batchArg ? Number(batchArg) : undefined });
  runEpoch = () => example1Epoch(loader);
} else if (impl === 'tensorloader-defaults') {
  const loader = new DataLoader(new TextTensorDataset(dir!, { length: 10 }), { batchSize: 32 });
  runEpoch = () => example1Epoch(loader);
} else if (impl === 'plain') {
  const ds = new PlainTextDataset(dir!);
  runEpoch = async () => plainEpoch(ds);
} else {
  throw new Error(`unknown impl ${impl}`);
}
printResult(impl!, await timeEpochs(epochs, async () => (await runEpoch()).items));
process.exit(0);
