// tensorloader's side of the WebDataset tar bench, in its own process: samples in the
// shard-aware order (one rank), JPEGs through Resize(256) + CenterCrop(224) + normalise into the
// slot, labels from .cls; prints one JSON line.
//   node --import tsx bench/competitors/webdataset.ts SHARD_DIR EPOCHS [MODE]
// MODE:
//   local        the shards indexed on open from their files; one warm-up epoch, then the timed epochs
//   http-mapped  WebDataset.open(URLs, { cache }) from loopback nginx into a cold cache, timed from
//                the first fetch: every shard fetched and indexed, then the epochs
//   http-loader  RemoteWebDataset.loader(): counts from a wids index, a cache of 4 shards, native
//                batches segment by segment (most shards fetched again every epoch), timed from open
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DataLoader, makeShardIndex, RemoteWebDataset, ShardOrderSampler, WebDataset } from '../../src/index.js';
import { startNginx } from '../../test/helpers/nginx.js';
import { printResult, timeEpochs } from '../lib/timing.js';

const [dirArg, epochsArg, mode = 'local'] = process.argv.slice(2) as [string, string | undefined, string | undefined];
const dir = resolve(dirArg);  // nginx takes its root as an absolute path
const epochs = Number(epochsArg ?? 2);
const image = { size: [224, 224] as [number, number], fit: 'cover' as const, cropFraction: 224 / 256, kernel: 'bilinear' as const, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const names = readdirSync(dir).filter((n) => /^shard-.*\.tar$/.test(n)).sort();
const count = async (batches: AsyncIterable<{ size: number; labels: Int32Array | undefined }>): Promise<number> => {
  let n = 0;
  for await (const batch of batches) {
    if (!batch.labels) throw new Error('no labels');
    n += batch.size;
  }
  return n;
};

let items = 0;
let seconds: number;
if (mode === 'local') {
  const ds = new WebDataset(join(dir, 'shard-*.tar'), { image });
  const loader = new DataLoader(ds, { sampler: new ShardOrderSampler(ds, { worldSize: 1, rank: 0, seed: 1 }), batchSize: 32, prefetch: 4 });
  ({ items, seconds } = await timeEpochs(epochs, () => count(loader)));
  loader.close();
} else {
  const nginx = await startNginx(dirname(dir));
  const urls = names.map((n) => `${nginx.url}/${basename(dir)}/${n}`);
  const cacheDir = mkdtempSync(join(tmpdir(), 'tl-bench-wds-cache-'));
  const t0 = performance.now();
  if (mode === 'http-mapped') {
    const ds = await WebDataset.open(urls, { image, cache: { dir: cacheDir, maxBytes: 2 ** 36 } });
    const loader = new DataLoader(ds, { sampler: new ShardOrderSampler(ds, { worldSize: 1, rank: 0, seed: 1 }), batchSize: 32, prefetch: 4 });
    for (let e = 0; e < epochs; e++) items += await count(loader);
    loader.close();
  } else if (mode === 'http-loader') {
    // The counts a `tensorloader index` run would write, from the local shards' headers (not timed as a fetch).
    const local = new WebDataset(join(dir, 'shard-*.tar'), { image });
    const index = join(cacheDir, 'index.json');
    writeFileSync(index, JSON.stringify(makeShardIndex(local.shards.map((s, i) => ({ url: urls[i]!, nsamples: s.samples })))));
    const maxBytes = 4 * Math.max(...names.map((n) => statSync(join(dir, n)).size)) + 4096;
    const remote = await RemoteWebDataset.open('', { image, index, cache: { dir: join(cacheDir, 'c'), maxBytes } });
    const loader = remote.loader({ sampler: new ShardOrderSampler(remote.sampled, { worldSize: 1, rank: 0, seed: 1 }), batchSize: 32, prefetch: 2, loader: { prefetch: 4 } });
    for (let e = 0; e < epochs; e++) items += await count(loader);
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  seconds = (performance.now() - t0) / 1000;
  await nginx.stop();
  rmSync(cacheDir, { recursive: true, force: true });
}
printResult('tensorloader', { items, seconds });
process.exit(0);
