// `tensorloader verify <packed file | shard glob>`: every record's checksum, with progress.
import { parseArgs } from 'node:util';
import { PackedDataset } from '../datasets/packed-dataset.js';
import { TensorLoaderError } from '../errors.js';
import { Progress, progressMode } from '../progress.js';
import { fail } from './args.js';

export const VERIFY_USAGE = `tensorloader verify <packed file | shard glob | shard ...> [--quiet]
  exit code 1 when a record, the header or the index fails its checksum`;

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { quiet: { type: 'boolean', default: false } } });
  if (positionals.length === 0) fail('give a packed file, a glob of shards, or the shards');
  const dataset = openForVerify(positionals);
  if (!dataset) return 1;
  const progress = new Progress('verify', dataset.length, { mode: progressMode(values.quiet) });
  const bytes = dataset.shards.reduce((a, s) => a + s.bytes, 0);
  const report = await dataset.verify({ onProgress: (done, total) => progress.update(done, (bytes * done) / Math.max(1, total), done === total) });
  for (const f of report.failures) console.error(f.message);
  if (!values.quiet || !report.ok) {
    console.log(report.ok ? `ok: ${report.records} records in ${dataset.shards.length} shard(s)` : `${report.failures.length} corrupt record(s) of ${report.records}`);
  }
  return report.ok ? 0 : 1;
}

// A header or index that fails its checksum is a corrupt file (exit 1), like a corrupt record;
// a missing file or one that is not a packed file stays an input error (exit 2).
function openForVerify(paths: string[]): PackedDataset | undefined {
  try {
    return new PackedDataset(paths);
  } catch (e) {
    if (e instanceof TensorLoaderError && e.code === 'EFORMAT' && /checksum mismatch/.test(e.message)) {
      console.error(e.message);
      console.log('the header or index of a shard is corrupt');
      return undefined;
    }
    throw e;
  }
}
