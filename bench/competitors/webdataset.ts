// tensorloader's side of the WebDataset tar bench, in its own process: the shards indexed on
// open, samples in the shard-aware order (one rank), JPEGs through Resize(256) +
// CenterCrop(224) + normalise into the slot, labels from .cls; one warm-up epoch, then the
// timed epochs; prints one JSON line.
//   node --import tsx bench/competitors/webdataset.ts SHARD_DIR EPOCHS
import { join } from 'node:path';
import { DataLoader, ShardOrderSampler, WebDataset } from '../../src/index.js';
import { printResult, timeEpochs } from '../lib/timing.js';

const [dir, epochsArg] = process.argv.slice(2);
const epochs = Number(epochsArg ?? 2);
const ds = new WebDataset(join(dir!, 'shard-*.tar'), {
  image: { size: [224, 224], fit: 'cover', cropFraction: 224 / 256, kernel: 'bilinear', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
});
const sampler = new ShardOrderSampler(ds, { worldSize: 1, rank: 0, seed: 1 });
const loader = new DataLoader(ds, { sampler, batchSize: 32, prefetch: 4 });
const epoch = async (): Promise<number> => {
  let n = 0;
  for await (const batch of loader) {
    if (!batch.labels) throw new Error('no labels');
    n += batch.size;
  }
  return n;
};
const timed = await timeEpochs(epochs, epoch);
loader.close();
printResult('tensorloader', timed);
process.exit(0);
