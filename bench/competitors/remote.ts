// Remote packed shards over loopback HTTP (a real nginx), one measurement per process; prints one
// JSON line. MODE SHARD_DIR EPOCHS BATCH:
//   local        PackedDataset over the shard files (the baseline)
//   http-mapped  PackedDataset.open(URLs, { cache }) from a cold cache: fetch every shard, then map
//   http-stream  RemotePackedDataset.stream() (JS items, collated) through a cache of 3 shards:
//                every epoch fetches again
//   http-batches RemotePackedDataset.batches() (a native loader per shard), the same cache
// and `pack IMAGE_DIR SHARD_DIR SHARD_SIZE` makes the set (64x64x3 uint8 records, as Example 2's packed file).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DataLoader, ImageFilesDataset, IterableDataset, PackedDataset, RemotePackedDataset, ShardCache, listFiles, pack } from '../../src/index.js';
import { startNginx } from '../../test/helpers/nginx.js';
import { printResult } from '../lib/timing.js';

const [mode, dir, epochsArg, batchArg] = process.argv.slice(2) as [string, string, string, string];
if (mode === 'pack') {
  const r = await pack(new ImageFilesDataset(listFiles(dir), { size: 64, dtype: 'uint8', layout: 'HWC' }), join(epochsArg, 'train.tlpack'), { shardSize: Number(batchArg) });
  console.log(JSON.stringify({ impl: 'tensorloader', items: r.records, seconds: r.seconds, itemsPerSec: r.records / r.seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}
const epochs = Number(epochsArg);
const batchSize = Number(batchArg);
const names = readdirSync(dir).filter((n) => n.endsWith('.tlpack')).sort();
const cacheDir = mkdtempSync(join(tmpdir(), 'tl-bench-cache-'));
const nginx = mode === 'local' ? undefined : await startNginx(dirname(dir));
const urls = names.map((n) => `${nginx?.url}/${basename(dir)}/${n}`);

async function run(loader: () => DataLoader<unknown>): Promise<number> {
  let items = 0;
  for (let e = 0; e < epochs; e++) for await (const b of loader()) items += b.size;
  return items;
}

/** The set through a cache that holds 3 shards: every epoch fetches most of them again. */
async function smallCache(): Promise<RemotePackedDataset> {
  const cache = new ShardCache({ dir: cacheDir, maxBytes: 3 * statSync(join(dir, names[0]!)).size + 4096 });
  return RemotePackedDataset.open(urls, { cache });
}

const t0 = performance.now();
let items: number;
if (mode === 'local') {
  const ds = new PackedDataset(names.map((n) => join(dir, n)));
  const loader = new DataLoader(ds, { batchSize });
  items = await run(() => loader);
} else if (mode === 'http-mapped') {
  const ds = await PackedDataset.open(urls, { cache: { dir: cacheDir, maxBytes: 2 ** 34 } });
  const loader = new DataLoader(ds, { batchSize });
  items = await run(() => loader);
} else if (mode === 'http-stream') {
  const remote = await smallCache();
  const stream: IterableDataset = remote.stream({ prefetch: 2 });
  const loader = new DataLoader(stream, { batchSize });
  items = await run(() => loader);
} else if (mode === 'http-batches') {
  const remote = await smallCache();
  items = 0;
  for (let e = 0; e < epochs; e++) {
    for await (const b of remote.batches(e, { prefetch: 2, loader: { batchSize } })) {
      items += b.size;
      b.release();
    }
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - t0) / 1000;
await nginx?.stop();
rmSync(cacheDir, { recursive: true, force: true });
printResult('tensorloader', { items, seconds });
process.exit(0);
