// `tensorloader audit <target>`: "does this dataset leak?" as a table, optional JSON and SVG,
// and an exit code a CI pipeline can gate on (0 no leak, 1 leak).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { audit, type AuditTarget } from '../audit/audit.js';
import { reportSvg, reportTable } from '../audit/report.js';
import { timingSvg } from '../audit/timing.js';
import { SERIES, type SeriesName } from '../audit/series.js';
import { fail, parseSize, positiveInt } from './args.js';
import { datasetFrom } from './source.js';

export const AUDIT_USAGE = `tensorloader audit <folder | packed file | module.js> [--epochs 20] [--warmup 2] [--json out.json]
                   [--svg out.svg] [--timing-svg out.svg] [--size 64] [--length N] [--batch-size 32] [--threshold series=value ...]
  series: ${Object.keys(SERIES).filter((k) => SERIES[k as SeriesName].judged).join(', ')} (growth per epoch allowed)`;

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      epochs: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '2' },
      json: { type: 'string' },
      svg: { type: 'string' },
      'timing-svg': { type: 'string' },
      size: { type: 'string' },
      length: { type: 'string' },
      'batch-size': { type: 'string', default: '32' },
      threshold: { type: 'string', multiple: true, default: [] },
    },
  });
  if (positionals.length !== 1) fail('give exactly one target');
  const thresholds: Partial<Record<SeriesName, number>> = {};
  for (const t of values.threshold ?? []) {
    const m = /^(\w+)=(.+)$/.exec(t);
    const value = m ? Number(m[2]) : NaN;
    if (!m || !(m[1]! in SERIES) || !SERIES[m[1] as SeriesName].judged || Number.isNaN(value)) fail(`--threshold must be series=number, got ${t}`);
    thresholds[m[1] as SeriesName] = value;
  }
  const target = (await datasetFrom(positionals[0]!, {
    image: () => ({ size: parseSize(values.size) }),
    length: positiveInt('--length', values.length),
  })) as AuditTarget;
  const epochs = Number(values.epochs);
  const tty = process.stderr.isTTY;
  const report = await audit(target, {
    epochs,
    warmupEpochs: Number(values.warmup),
    batchSize: Number(values['batch-size']),
    thresholds,
    onEpoch: (e, s) => {
      const line = `audit: epoch ${e + 1}/${epochs}, ${Math.round(s.itemsPerSec)} items/s, RSS ${(s.rss / 2 ** 20).toFixed(1)} MiB, fds ${s.fds}`;
      if (tty) process.stderr.write(`\r${line.padEnd(78)}${e + 1 === epochs ? '\n' : ''}`);
      else console.error(line);
    },
  });
  console.log(reportTable(report, positionals[0]));
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
  if (values.svg) writeFileSync(values.svg, reportSvg(report, `tensorloader audit: ${positionals[0]}`));
  if (values['timing-svg']) {
    if (report.timing) writeFileSync(values['timing-svg'], timingSvg(report.timing, `where the time went: ${positionals[0]}`));
    else console.error('audit: --timing-svg: the target is a function, not a dataset or loader, so there are no loader times to chart');
  }
  return report.leaks ? 1 : 0;
}
