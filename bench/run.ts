// `npm run bench [-- --quick]`: every comparison in one run on the same data, one table, and
// bench/results/latest.json + latest.svg. Competitors run one at a time in their own processes.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { writeImageData, writeTextData } from '../examples/data.js';
import { barChartSvg, formatValue, stackedBarChartSvg } from '../src/report/svg.js';
import { pilPython, runJson, torchPython, type Measurement } from './lib/child.js';
import { microBenchmarks } from './micro.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    data: { type: 'string', default: 'bench/.data' },
    // The photographs the JPEG set is cut from (the tests' ../shared/photos by default).
    photos: { type: 'string', default: resolve('..', 'shared', 'photos') },
    only: { type: 'string' },
  },
});
// --only <text>: run just the comparisons whose names contain it (and skip the micro suite).
const only = values.only?.toLowerCase();
const wanted = (name: string): boolean => only === undefined || name.toLowerCase().includes(only);
const quick = values.quick!;
const dataRoot = resolve(values.data!);
const here = resolve('bench');
const tsx = ['--import', 'tsx'];

const ex1Files = quick ? 2000 : 5000;
// 40 epochs of 5000 files: at 10, the timed part of the fastest runs was under 0.2 s, short
// enough for start-up (JIT, the prefetch depth settling) to be a visible share of it.
const ex1Epochs = quick ? 3 : 40;
const ex1Dir = join(dataRoot, `example1-${ex1Files}`);
const ex2Files = quick ? 1000 : 3000;
const ex2Epochs = quick ? 2 : 3;
// PIL's Image.save when /usr/bin/python3 has PIL (as the seed writes them), else our encoder
// with PIL's per-row filter choice; the folder name says which.
const ex2Maker = pilPython();
const ex2Dir = join(dataRoot, `example2-${'python' in ex2Maker ? 'pil' : 'adaptive'}-${ex2Files}`);
const jpegFiles = quick ? 300 : 2000;
const jpegEpochs = 1;
const jpegDir = join(dataRoot, `imagenet-${jpegFiles}`);
const photos = resolve(values.photos!);

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
    if ('python' in ex2Maker) {
      log(`writing ${ex2Files} Example 2 PNGs (100x100 random RGB) with PIL's Image.save to ${ex2Dir}`);
      const r = spawnSync(ex2Maker.python, [join(here, 'python', 'example2.py'), '--generate', ex2Dir, String(ex2Files)], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error('writing the Example 2 PNGs with PIL failed');
    } else {
      log(`writing ${ex2Files} Example 2 PNGs (100x100 random RGB, PIL-style adaptive row filters; ${ex2Maker.skipped}) to ${ex2Dir}`);
      writeImageData(ex2Dir, ex2Files, 100, 0, 'adaptive');
    }
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

// The machine may be shared and its speed drifts: a full run measures every entry twice, the
// second round in reverse order, and keeps each entry's faster round (its larger peak RSS).
const rounds = quick ? 1 : 2;

// JPEG entries take minutes each on a loaded 2-core machine: `once` measures them one round.
// `needed`: run it even when --only leaves it out, because a wanted comparison reads what it makes.
function compare(name: string, runs: Array<[string, () => Measurement | { skipped: string }]>, once = false, needed = false): Comparison {
  const c: Comparison = { name, results: [], skipped: [] };
  if (!wanted(name) && !needed) return c;
  const best = new Map<string, Measurement>();
  const skipped = new Map<string, string>();
  const n = once ? 1 : rounds;
  for (let round = 0; round < n; round++) {
    const order = round % 2 === 0 ? runs : [...runs].reverse();
    order.forEach(([label, run], i) => {
      if (skipped.has(label)) return;
      log(`${name}: ${label} (${i + 1}/${runs.length}${n > 1 ? `, round ${round + 1}/${n}` : ''}) …`);
      const r = run();
      if ('skipped' in r) {
        log(`  skipped: ${r.skipped}`);
        skipped.set(label, r.skipped);
        return;
      }
      r.label = label;
      log(`  ${formatValue(r.itemsPerSec, 'items/s')}, peak RSS ${formatValue(r.peakRssBytes, 'bytes')}`);
      const prev = best.get(label);
      if (!prev || r.itemsPerSec > prev.itemsPerSec) best.set(label, { ...r, peakRssBytes: Math.max(r.peakRssBytes, prev?.peakRssBytes ?? 0) });
      else prev.peakRssBytes = Math.max(prev.peakRssBytes, r.peakRssBytes);
    });
  }
  for (const [label] of runs) {
    const r = best.get(label);
    if (r) c.results.push(r);
    const why = skipped.get(label);
    if (why !== undefined) c.skipped.push(`${label}: ${why}`);
  }
  return c;
}

interface Floors {
  simd: string;
  files: number;
  readUs: number;
  inflateUs: number;
  unfilterUs: number;
  unfilterScalarUs: number;
  inflateZlibUs: number;
  resampleUs: number;
  convertUs: number;
  itemUs: number;
}

interface TextFloors {
  files: number;
  readUs: number;
  parseUs: number;
  itemUs: number;
}

// A native floors bench (bench/native/), built in build-bench/ with cmake (incremental, so the
// kernels timed are the ones in the tree); its last output line is its JSON result.
function runFloors<T>(target: string, args: string[], what: string): T | { skipped: string } {
  const buildDir = resolve('build-bench');
  const steps: string[][] = [
    ...(existsSync(join(buildDir, 'CMakeCache.txt')) ? [] : [['-S', '.', '-B', buildDir, '-DTL_CORE_TESTS=ON', '-DCMAKE_BUILD_TYPE=Release']]),
    ['--build', buildDir, '--target', target, '-j', String(cpus().length)],
  ];
  log(`building the native floors bench ${target} in ${buildDir} …`);
  for (const a of steps) {
    const r = spawnSync('cmake', a, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) return { skipped: `cmake ${a.join(' ')} failed` };
  }
  log(`floors: ${what}, each alone on one thread …`);
  const r = spawnSync(join(buildDir, target), args, { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `${target} failed: ${r.stderr.trim()}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as T;
}

// The floors of one Example 2 item (bench/native/item_floors.cc).
const measureFloors = (dir: string) =>
  runFloors<Floors>('tl_item_floors', [dir, '500', quick ? '0.3' : '1'], 'read, inflate, unfilter, resample, convert, and the whole item');
// The floors of one Example 1 item (bench/native/text_floors.cc).
const measureTextFloors = (dir: string) =>
  runFloors<TextFloors>('tl_text_floors', [dir, String(ex1Files), quick ? '0.3' : '1'], 'open+read+close and parse of one text file');

// Example 1 against its floor: the loader cannot pass cores / (read + parse) items per second.
function reportTextFloors(floors: TextFloors | { skipped: string }, ex1: Comparison): void {
  console.log('\nExample 1: where one item\'s time goes (per item, one core)');
  if ('skipped' in floors) {
    console.log(`  (skipped: ${floors.skipped})`);
    return;
  }
  const us = (v: number) => `${v.toFixed(2).padStart(7)} µs`;
  console.log(`  ${'open + read + close (page cache warm)'.padEnd(44)} ${us(floors.readUs)}`);
  console.log(`  ${'parse 10 floats'.padEnd(44)} ${us(floors.parseUs)}`);
  console.log(`  ${'both, as a pool thread does them'.padEnd(44)} ${us(floors.itemUs)}`);
  const ceiling = (cpus().length * 1e6) / floors.itemUs;
  console.log(`  ${`ceiling on ${cpus().length} cores`.padEnd(44)} ${formatValue(ceiling, 'items/s')}`);
  const torch = ex1.results.filter((r) => r.impl === 'pytorch').reduce((m, r) => Math.max(m, r.itemsPerSec), 0);
  for (const r of ex1.results.filter((x) => x.impl.startsWith('tensorloader'))) {
    console.log(`  ${r.label.padEnd(44)} ${formatValue(r.itemsPerSec, 'items/s')}  ${((100 * r.itemsPerSec) / ceiling).toFixed(0)}% of the ceiling`);
  }
  if (torch > 0) console.log(`  ${'10x the best PyTorch would be'.padEnd(44)} ${formatValue(10 * torch, 'items/s')}  ${((1000 * torch) / ceiling).toFixed(0)}% of the ceiling`);
}

interface JpegFloors {
  files: number;
  meanScale: number;
  readUs: number;
  decodeFullUs: number;
  decodeScaledUs: number;
  decodeByScaleUs: number[];
  resampleUs: number;
  convertUs: number;
  itemUs: number;
  itemExactUs: number;
}

// The floors of one ImageNet-like JPEG item (bench/native/jpeg_floors.cc), built beside
// tl_item_floors.
function measureJpegFloors(dir: string): JpegFloors | { skipped: string } {
  const buildDir = resolve('build-bench');
  if (!existsSync(join(buildDir, 'CMakeCache.txt'))) return { skipped: 'build-bench/ was not configured (the Example 2 floors build it)' };
  const b = spawnSync('cmake', ['--build', buildDir, '--target', 'tl_jpeg_floors', '-j', String(cpus().length)], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (b.status !== 0) return { skipped: 'building tl_jpeg_floors failed' };
  log('JPEG floors: read, decode (full, at the fast mode\'s scale, at every M/8), resample, convert, and the whole item …');
  const r = spawnSync(join(buildDir, 'tl_jpeg_floors'), [dir, '100', quick ? '0.3' : '1'], { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `tl_jpeg_floors failed: ${r.stderr.trim()}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as JpegFloors;
}

function reportJpegFloors(f: JpegFloors | { skipped: string }): void {
  console.log('\nImageNet-like JPEG: where one item\'s time goes (microseconds per item per core)');
  if ('skipped' in f) {
    console.log(`  (skipped: ${f.skipped})`);
    return;
  }
  const stages: Array<[string, number]> = [
    ['read the file', f.readUs],
    [`decode at the fast mode's scale (mean ${f.meanScale.toFixed(1)}/8)`, f.decodeScaledUs],
    ['resample to the 224x224 crop', f.resampleUs],
    ['convert to float CHW, normalised', f.convertUs],
  ];
  const sum = stages.reduce((a, [, v]) => a + v, 0);
  const us = (v: number) => v.toFixed(1).padStart(8);
  for (const [label, v] of stages) console.log(`  ${label.padEnd(48)} ${us(v)}  ${((100 * v) / sum).toFixed(0).padStart(3)}% of the floors`);
  console.log(`  ${'sum of the floors'.padEnd(48)} ${us(sum)}`);
  console.log(`  ${'one item alone on one thread (fast mode)'.padEnd(48)} ${us(f.itemUs)}  ${((100 * f.itemUs) / sum).toFixed(0)}% of the floors`);
  console.log(`  ${'one item alone on one thread (exact mode)'.padEnd(48)} ${us(f.itemExactUs)}`);
  console.log(`  ${'(decode in full, 8/8)'.padEnd(48)} ${us(f.decodeFullUs)}`);
  console.log(`  decode at M/8, M = 1..8: ${f.decodeByScaleUs.map((v) => v.toFixed(0)).join(', ')}`);
}

async function main(): Promise<void> {
  mkdirSync(dataRoot, { recursive: true });
  const noJpeg = ensureData();
  const torch = torchPython();
  // workers: 0, 2 (fresh worker processes every epoch, the seed's DataLoader defaults) or
  // '2p' (2 persistent workers); extra: e.g. ['--pipeline', 'lean'].
  const py = (script: string, dir: string, n: number, workers: 0 | 2 | '2p', epochs: number, extra: string[] = []) => () => {
    if ('skipped' in torch) return torch;
    const w = workers === '2p' ? ['--workers', '2', '--persistent-workers'] : ['--workers', String(workers)];
    return runJson(torch.python, [join(here, 'python', script), dir, String(n), ...w, '--epochs', String(epochs), ...extra], `pytorch ${script} w${workers} ${extra.join(' ')}`);
  };
  const node = (impl: string, extra: string[] = []) => () =>
    runJson(process.execPath, [...tsx, join(here, 'competitors', 'example1.ts'), impl, ex1Dir, String(ex1Epochs), ...extra], impl);
  const images = (impl: string, task: string, dir: string, epochs: number) => () =>
    runJson(process.execPath, [...tsx, join(here, 'competitors', 'images.ts'), impl, task, dir, String(epochs)], impl);
  const packed = (...args: string[]) => () => runJson(process.execPath, [...tsx, join(here, 'competitors', 'packed.ts'), ...args], `packed ${args[0]}`);

  const comparisons: Comparison[] = [];
  comparisons.push(
    compare(`Example 1: ${ex1Files} text files of 10 floats, batch 32`, [
      ['tensorloader', node('tensorloader')],
      ['tensorloader, loader defaults (batch 32)', node('tensorloader-defaults')],
      ['plain Node', node('plain')],
      ['PyTorch, num_workers=0', py('example1.py', ex1Dir, ex1Files, 0, ex1Epochs)],
      ['PyTorch, num_workers=2', py('example1.py', ex1Dir, ex1Files, 2, ex1Epochs)],
      ['PyTorch, 2 persistent workers', py('example1.py', ex1Dir, ex1Files, '2p', ex1Epochs)],
    ]),
  );
  comparisons.push(
    compare(`Example 2: ${ex2Files} PNGs 100x100 -> 64x64 float CHW, batch 32`, [
      ['tensorloader', images('tensorloader', 'example2', ex2Dir, ex2Epochs)],
      ['sharp per image + JS loop', images('sharp', 'example2', ex2Dir, ex2Epochs)],
      ['jimp per image + JS loop', images('jimp', 'example2', ex2Dir, 1)],
      ['PyTorch seed code, num_workers=0', py('example2.py', ex2Dir, ex2Files, 0, ex2Epochs)],
      ['PyTorch seed code, 2 persistent workers', py('example2.py', ex2Dir, ex2Files, '2p', ex2Epochs)],
      ['PyTorch lean PIL, num_workers=0', py('example2.py', ex2Dir, ex2Files, 0, ex2Epochs, ['--pipeline', 'lean'])],
      ['PyTorch lean PIL, 2 persistent workers', py('example2.py', ex2Dir, ex2Files, '2p', ex2Epochs, ['--pipeline', 'lean'])],
      ['torchvision.io, num_workers=0', py('example2.py', ex2Dir, ex2Files, 0, ex2Epochs, ['--pipeline', 'tvio'])],
      ['torchvision.io, 2 persistent workers', py('example2.py', ex2Dir, ex2Files, '2p', ex2Epochs, ['--pipeline', 'tvio'])],
    ]),
  );
  const jpeg = (label: string, run: () => Measurement | { skipped: string }): [string, () => Measurement | { skipped: string }] => [
    label,
    () => (noJpeg ? { skipped: noJpeg } : run()),
  ];
  comparisons.push(
    compare(`ImageNet-like: ${jpegFiles} JPEGs ~500x375 -> Resize(256)+CenterCrop(224), normalised, batch 32`, [
      jpeg('tensorloader', images('tensorloader', 'imagenet', jpegDir, jpegEpochs)),
      jpeg('torchvision PIL, num_workers=0', py('imagenet.py', jpegDir, jpegFiles, 0, jpegEpochs)),
      jpeg('torchvision PIL, 2 persistent workers', py('imagenet.py', jpegDir, jpegFiles, '2p', jpegEpochs)),
      jpeg('PIL draft() + torchvision, num_workers=0', py('imagenet.py', jpegDir, jpegFiles, 0, jpegEpochs, ['--pipeline', 'draft'])),
      jpeg('PIL draft() + torchvision, 2 persistent', py('imagenet.py', jpegDir, jpegFiles, '2p', jpegEpochs, ['--pipeline', 'draft'])),
      jpeg('torchvision.io, num_workers=0', py('imagenet.py', jpegDir, jpegFiles, 0, jpegEpochs, ['--pipeline', 'tvio'])),
      jpeg('torchvision.io, 2 persistent workers', py('imagenet.py', jpegDir, jpegFiles, '2p', jpegEpochs, ['--pipeline', 'tvio'])),
    ], true),
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
      // The same tar shards over loopback HTTP (nginx): fetched into a cold cache (timed), then read;
      // and through the remote loader() with a cache of 4 shards (fetching again every epoch).
      tar('tensorloader, over HTTP (nginx), mapped', () =>
        runJson(process.execPath, [...tsx, join(here, 'competitors', 'webdataset.ts'), tarDir, String(jpegEpochs), 'http-mapped'], 'tensorloader tar http')),
      tar('tensorloader, HTTP loader(), 4-shard cache', () =>
        runJson(process.execPath, [...tsx, join(here, 'competitors', 'webdataset.ts'), tarDir, String(jpegEpochs), 'http-loader'], 'tensorloader tar http loader')),
      tar('PyTorch IterableDataset, num_workers=0', tarPy(0)),
      tar('PyTorch IterableDataset, num_workers=2 (persistent)', tarPy(2)),
    ], true),
  );

  // Packed files: Example 1 and Example 2's images (64x64x3 uint8) packed once, then read
  // through the DataLoader; the limit is memcpy of the bytes the loader writes, on every core.
  const ex1Packed = join(dataRoot, `example1-${ex1Files}.tlpack`);
  const ex2Packed = join(dataRoot, `example2-${ex2Files}-64.tlpack`);
  const packedEpochs = quick ? 5 : 20;
  const imageBytes = 64 * 64 * 3;
  const packedEx1Name = `Packed Example 1: ${ex1Files} records of 10 floats, batch 1024`;
  const packedFloatName = `Packed to float: 64x64x3 uint8 -> float32 CHW (${imageBytes * 4} bytes/item written), batch 256`;
  const packedStoredName = `Packed as stored: 64x64x3 uint8 records (${imageBytes + 4} bytes/item with the label), batch 256`;
  const packing = compare('Packing (tensorloader pack, once)', [
    [`${ex1Files} text files -> packed`, packed('pack', ex1Dir, ex1Packed, 'text')],
    [`${ex2Files} PNGs -> 64x64x3 uint8 packed`, packed('pack', ex2Dir, ex2Packed, 'images64')],
  ], false, [packedEx1Name, packedFloatName, packedStoredName].some(wanted));
  comparisons.push(
    compare(packedEx1Name, [
      ['tensorloader', packed('read', ex1Packed, String(packedEpochs * 20), '1024')],
      ['tensorloader, the text files (batch 1024)', node('tensorloader', ['0', '1024'])],
    ]),
  );
  comparisons.push(
    compare(packedFloatName, [
      ['tensorloader', packed('read', ex2Packed, String(packedEpochs * 2), '256', 'float')],
      ['memcpy of the same bytes, every core', packed('memcpy', String(imageBytes * 4), String(ex2Files), String(packedEpochs * 2))],
    ]),
  );
  comparisons.push(
    compare(packedStoredName, [
      ['tensorloader', packed('read', ex2Packed, String(packedEpochs * 2), '256')],
      ['memcpy of the same bytes, every core', packed('memcpy', String(imageBytes + 4), String(ex2Files), String(packedEpochs * 2))],
    ]),
  );

  // Remote packed shards over loopback HTTP (nginx), next to the same shards read locally.
  const remote = (...args: string[]) => () => runJson(process.execPath, [...tsx, join(here, 'competitors', 'remote.ts'), ...args], `remote ${args[0]}`);
  const ex2Shards = `${ex2Dir}-64-shards`;
  if (!existsSync(ex2Shards)) {
    mkdirSync(ex2Shards, { recursive: true });
    remote('pack', ex2Dir, ex2Shards, String(Math.ceil(ex2Files / 12)))();
  }
  const remoteEpochs = String(quick ? 2 : 5);
  comparisons.push(
    compare(`Remote packed shards: 12 shards of 64x64x3 uint8 over loopback HTTP (nginx), batch 256`, [
      ['tensorloader', remote('local', ex2Shards, remoteEpochs, '256')],
      ['tensorloader, http, mapped (cold cache)', remote('http-mapped', ex2Shards, remoteEpochs, '256')],
      ['tensorloader, http, stream() items (3-shard cache)', remote('http-stream', ex2Shards, remoteEpochs, '256')],
      ['tensorloader, http, batches() (3-shard cache)', remote('http-batches', ex2Shards, remoteEpochs, '256')],
    ]),
  );

  const floors = measureFloors(ex2Dir);
  const textFloors = measureTextFloors(ex1Dir);
  const jpegFloors = noJpeg === undefined && wanted('ImageNet-like JPEG floors') ? measureJpegFloors(jpegDir) : { skipped: noJpeg ?? 'not wanted' };

  log('micro benchmarks (benny)');
  const micro = only === undefined ? await microBenchmarks(ex1Dir, ex2Dir, quick) : [];

  // One table: items/s, peak RSS, ratio to the best competitor.
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${formatValue(totalmem(), 'bytes')} RAM, Node ${process.versions.node}`);
  const charts: Array<{ slug: string; title: string; bars: Array<{ label: string; value: number; group?: string; note?: string }> }> = [];
  for (const c of comparisons.filter((x) => x.results.length + x.skipped.length > 0)) {
    console.log(`\n${c.name}`);
    console.log(`${'implementation'.padEnd(42)} ${'items/s'.padStart(10)} ${'peak RSS'.padStart(11)}  ratio`);
    const ours = c.results.find((r) => r.label === 'tensorloader');
    const best = (rows: Measurement[]) => rows.reduce((m, r) => Math.max(m, r.itemsPerSec), 0);
    // Other tensorloader configurations (the loader's defaults) are ours, not competitors.
    const variant = (r: Measurement) => r.impl === 'tensorloader-defaults';
    const bestOther = best(c.results.filter((r) => r.label !== 'tensorloader' && !variant(r)));
    const bestTorch = best(c.results.filter((r) => r.impl === 'pytorch'));
    const bars: Array<{ label: string; value: number; group?: string; note?: string }> = [];
    charts.push({ slug: c.name.split(':')[0]!.toLowerCase().replace(/[^a-z0-9]+/g, '-'), title: c.name, bars });
    for (const r of c.results) {
      let ratio = '';
      if (r === ours) {
        ratio = bestOther > 0 ? `${(r.itemsPerSec / bestOther).toFixed(1)}x best other` : '';
        if (bestTorch > 0) ratio += `, ${(r.itemsPerSec / bestTorch).toFixed(1)}x best PyTorch`;
      } else if (variant(r)) {
        ratio = bestTorch > 0 ? `${(r.itemsPerSec / bestTorch).toFixed(1)}x best PyTorch` : '';
      } else if (ours) {
        ratio = `tensorloader is ${(ours.itemsPerSec / r.itemsPerSec).toFixed(1)}x this`;
      }
      const bandwidth = r.bytesPerSec ? `  ${formatValue(r.bytesPerSec, 'bytes')}/s` : '';
      console.log(`${r.label.padEnd(42)} ${formatValue(r.itemsPerSec, '').padStart(10)} ${formatValue(r.peakRssBytes, 'bytes').padStart(11)}  ${ratio}${bandwidth}`);
      bars.push({
        label: r.label,
        value: r.itemsPerSec,
        group: r.impl === 'pytorch' ? 'PyTorch' : r === ours || variant(r) ? 'tensorloader' : 'other Node',
        note: r === ours && bestOther > 0 ? `${(r.itemsPerSec / bestOther).toFixed(1)}x best other` : undefined,
      });
    }
    for (const s of c.skipped) console.log(`  (skipped ${s})`);
  }
  reportTextFloors(textFloors, comparisons.find((c) => c.name.startsWith('Example 1:')) ?? { name: '', results: [], skipped: [] });
  const floorsChart = reportFloors(floors, comparisons[1]!);
  reportJpegFloors(jpegFloors);
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
    floors,
    textFloors,
    jpegFloors,
  };
  mkdirSync(join(here, 'results'), { recursive: true });
  const name = (quick ? 'quick' : 'latest') + (only === undefined ? '' : `-only-${only.replace(/[^a-z0-9]+/g, '-')}`);
  writeFileSync(join(here, 'results', `${name}.json`), JSON.stringify(result, null, 2) + '\n');
  const subtitle = `${cpus().length} cores, Node ${process.versions.node}; ${new Date().toISOString().slice(0, 10)}`;
  for (const chart of charts) {
    writeFileSync(join(here, 'results', `${name}-${chart.slug}.svg`), barChartSvg({ title: chart.title, subtitle, unit: 'items/s', bars: chart.bars, width: 900 }));
  }
  if (floorsChart) writeFileSync(join(here, 'results', `${name}-example-2-floors.svg`), floorsChart);
  log(`wrote bench/results/${name}.json and bench/results/${name}-*.svg`);
}

// Prints where one Example 2 item's time goes, per item per core, and returns the stacked-bar
// chart: the sum of the floors, one item alone on one thread, and the loader in the run.
function reportFloors(floors: Floors | { skipped: string }, ex2: Comparison): string | undefined {
  console.log('\nExample 2: where one item\'s time goes (microseconds per item per core)');
  if ('skipped' in floors) {
    console.log(`  (skipped: ${floors.skipped})`);
    return undefined;
  }
  const ours = ex2.results.find((r) => r.label === 'tensorloader');
  const stages: Array<[string, number]> = [
    ['read the file', floors.readUs],
    ['inflate (libdeflate)', floors.inflateUs],
    [`unfilter (${floors.simd})`, floors.unfilterUs],
    ['resample', floors.resampleUs],
    ['convert to float CHW', floors.convertUs],
  ];
  const sum = stages.reduce((a, [, v]) => a + v, 0);
  const us = (v: number) => v.toFixed(1).padStart(8);
  for (const [label, v] of stages) console.log(`  ${label.padEnd(44)} ${us(v)}  ${((100 * v) / sum).toFixed(0).padStart(3)}% of the floors`);
  console.log(`  ${'(inflate, zlib streaming)'.padEnd(44)} ${us(floors.inflateZlibUs)}`);
  console.log(`  ${'(unfilter, scalar kernel)'.padEnd(44)} ${us(floors.unfilterScalarUs)}`);
  console.log(`  ${'sum of the floors'.padEnd(44)} ${us(sum)}`);
  console.log(`  ${'one item alone on one thread (ImageSource)'.padEnd(44)} ${us(floors.itemUs)}  ${((100 * floors.itemUs) / sum).toFixed(0)}% of the floors`);
  const segments = (extra: Array<[string, number]>) => [...stages, ...extra].map(([name, value]) => ({ name: name.replace(/ \(.*\)$/, ''), value }));
  const bars = [
    { label: 'sum of the floors', segments: segments([]) },
    { label: 'one item on one thread', segments: segments([['rest of the item pipeline', floors.itemUs - sum]]), note: `${((100 * floors.itemUs) / sum).toFixed(0)}%` },
  ];
  if (ours) {
    const total = (cpus().length * 1e6) / ours.itemsPerSec;
    console.log(`  ${`the loader in the run (${cpus().length} cores / items/s)`.padEnd(44)} ${us(total)}  ${((100 * total) / sum).toFixed(0)}% of the floors`);
    bars.push({
      label: 'the loader, per item per core',
      segments: segments([
        ['rest of the item pipeline', Math.max(0, floors.itemUs - sum)],
        ['loader, batching, waiting', total - Math.max(floors.itemUs, sum)],
      ]),
      note: `${((100 * total) / sum).toFixed(0)}% of the floors`,
    });
  }
  return stackedBarChartSvg({
    title: 'Example 2: one item (100x100 PNG -> 64x64 float CHW), microseconds per item per core',
    subtitle: `floors: each stage alone, fastest round, SIMD ${floors.simd}; ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}`,
    unit: 'us',
    bars,
    width: 900,
  });
}

await main();
