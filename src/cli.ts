#!/usr/bin/env node
// tensorloader's command line. `tensorloader audit <target>` answers "does this dataset leak?"
// with a table, optional JSON and SVG, and an exit code a CI pipeline can gate on.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { audit, type AuditTarget } from './audit/audit.js';
import { reportSvg, reportTable } from './audit/report.js';
import { SERIES, type SeriesName } from './audit/series.js';
import { ImageFilesDataset, ImageFolderDataset, IMAGE_EXTENSIONS } from './datasets/image-dataset.js';
import { TextTensorDataset } from './datasets/text-tensor-dataset.js';
import { listFiles } from './files.js';

const USAGE = `usage: tensorloader audit <folder | module.js> [--epochs 20] [--warmup 2] [--json out.json] [--svg out.svg]
                           [--size 64] [--length N] [--batch-size 32] [--threshold series=value ...]
  folder     text files of numbers (item length from the first file, or --length),
             image files (--size HxW or N), or one sub-folder of images per class
  module.js  exports (default, or named dataset / loader) a dataset, a DataLoader or a function
             that runs one epoch
  series     ${Object.keys(SERIES).filter((k) => SERIES[k as SeriesName].judged).join(', ')}: growth per epoch allowed
exit code: 0 no leak, 1 leak found, 2 usage or input error`;

function fail(message: string): never {
  console.error(`tensorloader: ${message}\n${USAGE}`);
  process.exit(2);
}

function size(value: string | undefined): [number, number] {
  if (!value) fail('image folders need --size (e.g. --size 64 or --size 224x224)');
  const m = /^(\d+)(?:x(\d+))?$/.exec(value);
  if (!m) fail(`--size must look like 64 or 64x48, got ${value}`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

async function targetOf(path: string, opts: { size?: string; length?: string }): Promise<AuditTarget> {
  const full = resolve(path);
  const st = statSync(full, { throwIfNoEntry: false });
  if (!st) fail(`no such file or folder: ${path}`);
  if (st.isFile()) {
    if (!/\.(m?js|cjs|ts|mts)$/.test(full)) fail(`${path}: give a folder or a JS module (packed files come with the packed format)`);
    const mod = await import(pathToFileURL(full).href);
    const target = mod.default ?? mod.loader ?? mod.dataset;
    if (!target) fail(`${path} exports no default, loader or dataset`);
    return target as AuditTarget;
  }
  const entries = readdirSync(full, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  if (entries.some((e) => e.isDirectory())) return new ImageFolderDataset(full, { size: size(opts.size) });
  const files = listFiles(full);
  if (files.length === 0) fail(`${path} holds no files`);
  if (IMAGE_EXTENSIONS.includes(extname(files[0]!).toLowerCase())) return new ImageFilesDataset(files, { size: size(opts.size) });
  const length = opts.length ? Number(opts.length) : readFileSync(files[0]!, 'utf8').replace(/[[\],]/g, ' ').trim().split(/\s+/).length;
  return new TextTensorDataset(files, { length });
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== 'audit') fail(command ? `unknown command ${command}` : 'no command');
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        epochs: { type: 'string', default: '20' },
        warmup: { type: 'string', default: '2' },
        json: { type: 'string' },
        svg: { type: 'string' },
        size: { type: 'string' },
        length: { type: 'string' },
        'batch-size': { type: 'string', default: '32' },
        threshold: { type: 'string', multiple: true, default: [] },
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) fail('give exactly one target');
  const thresholds: Partial<Record<SeriesName, number>> = {};
  for (const t of values.threshold ?? []) {
    const m = /^(\w+)=(.+)$/.exec(t);
    const value = m ? Number(m[2]) : NaN;
    if (!m || !(m[1]! in SERIES) || !SERIES[m[1] as SeriesName].judged || Number.isNaN(value)) fail(`--threshold must be series=number, got ${t}`);
    thresholds[m[1] as SeriesName] = value;
  }
  const target = await targetOf(positionals[0]!, values);
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
  process.exit(report.leaks ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(`tensorloader: ${(e as Error).message}`);
  process.exit(2);
});
