// `npm run bench [-- --quick]`: every comparison in one run on the same data, one table, and
// bench/results/latest.json + latest.svg. Competitors run one at a time in their own processes.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { writeImageData, writeTextData } from '../examples/data.js';
import { barChartSvg, formatValue } from '../src/report/svg.js';
import { runJson, torchPython, type Measurement } from './lib/child.js';
import { microBenchmarks } from './micro.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, data: { type: 'string', default: 'bench/.data' }, only: { type: 'string' } },
});
// --only <text>: run just the comparisons whose names contain it (and skip the micro suite).
const only = values.only?.toLowerCase();
const wanted = (name: string): boolean => only === undefined || name.toLowerCase().includes(only);
const quick = values.quick!;
const dataRoot = resolve(values.data!);
const here = resolve('bench');
const tsx = ['--import', 'tsx'];

const ex1Files = quick ? 2000 : 5000;
const ex1Epochs = quick ? 3 : 10;
const ex1Dir = join(dataRoot, `example1-${ex1Files}`);
const ex2Files = quick ? 1000 : 3000;
const ex2Epochs = quick ? 2 : 3;
const ex2Dir = join(dataRoot, `example2-${ex2Files}`);
const jpegFiles = quick ? 300 : 2000;
const jpegEpochs = quick ? 1 : 2;
const jpegDir = join(dataRoot, `imagenet-${jpegFiles}`);
const photos = process.env.TL_PHOTOS ?? resolve('..', 'shared', 'photos');

function log(msg: string): void {
  console.log(`[bench] ${msg}`);
}

function ready(dir: string, count: number): boolean {
  return existsSync(dir) && readdirSync(dir).length === count;
}

function ensureData(): string | undefined {
  if (!ready(ex1Dir, ex1Files)) {
    log(`writing ${ex1Files} Example 1 files to ${ex1Dir}`);
    writeTextData(ex1Dir, ex1Files, 10, 0);
  }
  if (!ready(ex2Dir, ex2Files)) {
    log(`writing ${ex2Files} Example 2 PNGs (100x100 random RGB) to ${ex2Dir}`);
    writeImageData(ex2Dir, ex2Files, 100, 0);
  }
  if (!existsSync(photos)) return `no photographs at ${photos} to cut the JPEG set from`;
  if (!ready(jpegDir, jpegFiles)) {
    log(`writing ${jpegFiles} ImageNet-like JPEGs (500x375, cut from ${photos}) to ${jpegDir}`);
    const r = spawnSync(process.execPath, [...tsx, join(here, 'data', 'make-jpeg-set.ts'), photos, jpegDir, String(jpegFiles)], { stdio: 'inherit' });
    if (r.status !== 0) return 'making the JPEG set failed';
  }
  return undefined;
}

interface Comparison {
  name: string;
  results: Measurement[];
  skipped: string[];
}

function compare(name: string, runs: Array<[string, () => Measurement | { skipped: string }]>): Comparison {
  const c: Comparison = { name, results: [], skipped: [] };
  if (!wanted(name)) return c;
  runs.forEach(([label, run], i) => {
    log(`${name}: ${label} (${i + 1}/${runs.length}) …`);
    const r = run();
    if (!('skipped' in r)) r.label = label;
    if ('skipped' in r) {
      log(`  skipped: ${r.skipped}`);
      c.skipped.push(`${label}: ${r.skipped}`);
    } else {
      log(`  ${formatValue(r.itemsPerSec, 'items/s')}, peak RSS ${formatValue(r.peakRssBytes, 'bytes')}`);
      c.results.push(r);
    }
  });
  return c;
}

async function main(): Promise<void> {
  mkdirSync(dataRoot, { recursive: true });
  const noJpeg = ensureData();
  const torch = torchPython();
  const py = (script: string, dir: string, n: number, workers: number, epochs: number) => () =>
    'skipped' in torch ? torch : runJson(torch.python, [join(here, 'python', script), dir, String(n), '--workers', String(workers), '--epochs', String(epochs)], `pytorch w${workers}`);
  const node = (impl: string, extra: string[] = []) => () =>
    runJson(process.execPath, [...tsx, join(here, 'competitors', 'example1.ts'), impl, ex1Dir, String(ex1Epochs), ...extra], impl);
  const images = (impl: string, task: string, dir: string, epochs: number) => () =>
    runJson(process.execPath, [...tsx, join(here, 'competitors', 'images.ts'), impl, task, dir, String(epochs)], impl);
  const packed = (...args: string[]) => () => runJson(process.execPath, [...tsx, join(here, 'competitors', 'packed.ts'), ...args], `packed ${args[0]}`);

  const comparisons: Comparison[] = [];
  comparisons.push(
    compare(`Example 1: ${ex1Files} text files of 10 floats, batch 32`, [
      ['tensorloader', node('tensorloader')],
      ['plain Node', node('plain')],
      ['PyTorch, num_workers=0', py('example1.py', ex1Dir, ex1Files, 0, ex1Epochs)],
      ['PyTorch, num_workers=2', py('example1.py', ex1Dir, ex1Files, 2, ex1Epochs)],
    ]),
  );
  comparisons.push(
    compare(`Example 2: ${ex2Files} PNGs 100x100 -> 64x64 float CHW, batch 32`, [
      ['tensorloader', images('tensorloader', 'example2', ex2Dir, ex2Epochs)],
      ['sharp per image + JS loop', images('sharp', 'example2', ex2Dir, ex2Epochs)],
      ['jimp per image + JS loop', images('jimp', 'example2', ex2Dir, 1)],
      ['PyTorch, num_workers=0', py('example2.py', ex2Dir, ex2Files, 0, ex2Epochs)],
      ['PyTorch, num_workers=2', py('example2.py', ex2Dir, ex2Files, 2, ex2Epochs)],
    ]),
  );
  const jpeg = (label: string, run: () => Measurement | { skipped: string }): [string, () => Measurement | { skipped: string }] => [
    label,
    () => (noJpeg ? { skipped: noJpeg } : run()),
  ];
  comparisons.push(
    compare(`ImageNet-like: ${jpegFiles} JPEGs ~500x375 -> Resize(256)+CenterCrop(224), normalised, batch 32`, [
      jpeg('tensorloader', images('tensorloader', 'imagenet', jpegDir, jpegEpochs)),
      jpeg('PyTorch, num_workers=0', py('imagenet.py', jpegDir, jpegFiles, 0, jpegEpochs)),
      jpeg('PyTorch, num_workers=2', py('imagenet.py', jpegDir, jpegFiles, 2, jpegEpochs)),
    ]),
  );

  // WebDataset tar shards of the same JPEGs (written by tarfile), against PyTorch's usual way of
  // reading them: an IterableDataset over tarfile + PIL, shards split over workers.
  const tarDir = join(dataRoot, `wds-${jpegFiles}`);
  const tarName = `WebDataset tar shards: ${jpegFiles} JPEGs in shards of 256 -> Resize(256)+CenterCrop(224), normalised, batch 32`;
  const tarData = (): string | undefined => {
    if (noJpeg) return noJpeg;
    if (existsSync(join(tarDir, 'done'))) return undefined;
    log(`writing ${jpegFiles} samples as WebDataset tar shards to ${tarDir}`);
    const r = spawnSync('/usr/bin/python3', [join(here, 'data', 'make-wds-shards.py'), jpegDir, String(jpegFiles), tarDir, '256'], { stdio: 'inherit' });
    if (r.status !== 0) return 'writing the tar shards failed';
    writeFileSync(join(tarDir, 'done'), '');
    return undefined;
  };
  const noTar = wanted(tarName) ? tarData() : undefined;
  const tar = (label: string, run: () => Measurement | { skipped: string }): [string, () => Measurement | { skipped: string }] => [
    label,
    () => (noTar ? { skipped: noTar } : run()),
  ];
  const tarPy = (workers: number) => () =>
    'skipped' in torch
      ? torch
      : runJson(
          torch.python,
          [join(here, 'python', 'webdataset_tar.py'), tarDir, String(jpegFiles), '--workers', String(workers), '--epochs', String(jpegEpochs), ...(workers > 0 ? ['--persistent-workers'] : [])],
          `pytorch tar w${workers}`,
        );
  comparisons.push(
    compare(tarName, [
      tar('tensorloader', () => runJson(process.execPath, [...tsx, join(here, 'competitors', 'webdataset.ts'), tarDir, String(jpegEpochs)], 'tensorloader tar')),
      tar('PyTorch IterableDataset, num_workers=0', tarPy(0)),
      tar('PyTorch IterableDataset, num_workers=2 (persistent)', tarPy(2)),
    ]),
  );

  // Packed files: Example 1 and Example 2's images (64x64x3 uint8) packed once, then read
  // through the DataLoader; the limit is memcpy of the bytes the loader writes, on every core.
  const ex1Packed = join(dataRoot, `example1-${ex1Files}.tlpack`);
  const ex2Packed = join(dataRoot, `example2-${ex2Files}-64.tlpack`);
  const packing = compare('Packing (tensorloader pack, once)', [
    [`${ex1Files} text files -> packed`, packed('pack', ex1Dir, ex1Packed, 'text')],
    [`${ex2Files} PNGs -> 64x64x3 uint8 packed`, packed('pack', ex2Dir, ex2Packed, 'images64')],
  ]);
  const packedEpochs = quick ? 5 : 20;
  const imageBytes = 64 * 64 * 3;
  comparisons.push(
    compare(`Packed Example 1: ${ex1Files} records of 10 floats, batch 1024`, [
      ['tensorloader', packed('read', ex1Packed, String(packedEpochs * 20), '1024')],
      ['tensorloader, the text files (batch 1024)', node('tensorloader', ['0', '1024'])],
    ]),
  );
  comparisons.push(
    compare(`Packed to float: 64x64x3 uint8 -> float32 CHW (${imageBytes * 4} bytes/item written), batch 256`, [
      ['tensorloader', packed('read', ex2Packed, String(packedEpochs * 2), '256', 'float')],
      ['memcpy of the same bytes, every core', packed('memcpy', String(imageBytes * 4), String(ex2Files), String(packedEpochs * 2))],
    ]),
  );
  comparisons.push(
    compare(`Packed as stored: 64x64x3 uint8 records (${imageBytes + 4} bytes/item with the label), batch 256`, [
      ['tensorloader', packed('read', ex2Packed, String(packedEpochs * 2), '256')],
      ['memcpy of the same bytes, every core', packed('memcpy', String(imageBytes + 4), String(ex2Files), String(packedEpochs * 2))],
    ]),
  );

  const micro = only === undefined ? (log('micro benchmarks (benny)'), await microBenchmarks(ex1Dir, ex2Dir, quick)) : [];

  // One table: items/s, peak RSS, ratio to the best competitor.
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${formatValue(totalmem(), 'bytes')} RAM, Node ${process.versions.node}`);
  const charts: Array<{ slug: string; title: string; bars: Array<{ label: string; value: number; group?: string; note?: string }> }> = [];
  for (const c of comparisons.filter((x) => x.results.length + x.skipped.length > 0)) {
    console.log(`\n${c.name}`);
    console.log(`${'implementation'.padEnd(38)} ${'items/s'.padStart(10)} ${'peak RSS'.padStart(11)}  ratio`);
    const ours = c.results.find((r) => r.label === 'tensorloader');
    const best = (rows: Measurement[]) => rows.reduce((m, r) => Math.max(m, r.itemsPerSec), 0);
    const bestOther = best(c.results.filter((r) => r.label !== 'tensorloader'));
    const bestTorch = best(c.results.filter((r) => r.impl === 'pytorch'));
    const bars: Array<{ label: string; value: number; group?: string; note?: string }> = [];
    charts.push({ slug: c.name.split(':')[0]!.toLowerCase().replace(/[^a-z0-9]+/g, '-'), title: c.name, bars });
    for (const r of c.results) {
      let ratio = '';
      if (r === ours) {
        ratio = bestOther > 0 ? `${(r.itemsPerSec / bestOther).toFixed(1)}x best other` : '';
        if (bestTorch > 0) ratio += `, ${(r.itemsPerSec / bestTorch).toFixed(1)}x best PyTorch`;
      } else if (ours) {
        ratio = `tensorloader is ${(ours.itemsPerSec / r.itemsPerSec).toFixed(1)}x this`;
      }
      const bandwidth = r.bytesPerSec ? `  ${formatValue(r.bytesPerSec, 'bytes')}/s` : '';
      console.log(`${r.label.padEnd(38)} ${formatValue(r.itemsPerSec, '').padStart(10)} ${formatValue(r.peakRssBytes, 'bytes').padStart(11)}  ${ratio}${bandwidth}`);
      bars.push({
        label: r.label,
        value: r.itemsPerSec,
        group: r.impl === 'pytorch' ? 'PyTorch' : r === ours ? 'tensorloader' : 'other Node',
        note: r === ours && bestOther > 0 ? `${(r.itemsPerSec / bestOther).toFixed(1)}x best other` : undefined,
      });
    }
    for (const s of c.skipped) console.log(`  (skipped ${s})`);
  }
  console.log('\npacking');
  for (const r of packing.results) console.log(`  ${r.label.padEnd(44)} ${formatValue(r.itemsPerSec, 'items/s')}`);
  console.log('\nmicro (benny, one item on the calling thread)');
  for (const m of micro) console.log(`  ${m.name.padEnd(56)} ${formatValue(m.opsPerSec, 'ops/s')}`);

  const result = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryBytes: totalmem(), node: process.versions.node },
    comparisons,
    packing,
    micro,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  const name = (quick ? 'quick' : 'latest') + (only === undefined ? '' : `-only-${only.replace(/[^a-z0-9]+/g, '-')}`);
  writeFileSync(join(here, 'results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  const subtitle = `${cpus().length} cores, Node ${process.versions.node}; ${new Date().toISOString().slice(0, 10)}`;
  for (const chart of charts) {
    writeFileSync(join(here, 'results', `${name}-${chart.slug}.svg`), barChartSvg({ title: chart.title, subtitle, unit: 'items/s', bars: chart.bars, width: 900 }));
  }
  log(`wrote bench/results/${name}.json and bench/results/${name}-*.svg`);
}

await main();
