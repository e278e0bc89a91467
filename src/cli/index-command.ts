// `tensorloader index <shards...> [--out index.json]`: a shard index in WebDataset's wids form
// ({"shardlist": [{"url", "nsamples", "filesize"}]}) for local or remote shards, packed (count
// from the header, one Range GET) or tar (samples counted from the member headers as streamed).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { expandGlob } from '../files.js';
import { writeAtomic } from '../remote/cache-files.js';
import { expandBraces } from '../remote/braces.js';
import { PACKED_MAGIC, packedCount, readPrefixOf } from '../remote/packed-header.js';
import { makeShardIndex, type IndexedShard } from '../remote/shard-index.js';
import { countTarSamples } from '../remote/tar-count.js';
import { isRemote, transportFor } from '../remote/transports.js';
import { fail } from './args.js';

export const INDEX_USAGE = `tensorloader index <shard | glob | url{000..099} ...> [--out index.json] [--quiet]
  writes {"shardlist": [{"url", "nsamples"}]} (stdout without --out); local shards are named relative to --out`;

async function countOne(location: string): Promise<IndexedShard> {
  const head = await readPrefixOf(location, 512);
  if (head.subarray(0, 8).equals(PACKED_MAGIC)) {
    const c = await packedCount(location);
    return { url: location, nsamples: c.records, filesize: c.fileBytes };
  }
  if (isRemote(location)) {
    const res = await transportFor(location, {}).read(location, { start: 0, idleTimeoutMs: 30_000 });
    const { samples } = await countTarSamples(location, res.body);
    return { url: location, nsamples: samples, filesize: res.length };
  }
  const { samples } = await countTarSamples(location, createReadStream(location, { highWaterMark: 1 << 20 }));
  return { url: location, nsamples: samples, filesize: (await stat(location)).size };
}

export async function indexCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, quiet: { type: 'boolean', default: false } } });
  if (positionals.length === 0) fail('give the shards to index (files, globs, or URLs)');
  const shards = positionals.flatMap((p) => expandBraces(p)).flatMap((p) => (isRemote(p) ? [p] : expandGlob(p)));
  const out: IndexedShard[] = [];
  for (const [i, s] of shards.entries()) {
    const entry = await countOne(s);
    out.push(values.out && !isRemote(s) ? { ...entry, url: relative(dirname(resolve(values.out)), s) } : entry);
    if (!values.quiet) process.stderr.write(`index ${i + 1}/${shards.length} ${s}: ${entry.nsamples} samples\n`);
  }
  const text = `${JSON.stringify(makeShardIndex(out), null, 1)}\n`;
  if (values.out) await writeAtomic(resolve(values.out), text);
  else process.stdout.write(text);
  if (!values.quiet) process.stderr.write(`${out.reduce((a, s) => a + s.nsamples, 0)} samples in ${out.length} shard(s)\n`);
  return 0;
}
