// `npm run demo`: the seed's Example 1 end to end on generated files, tensorloader next to
// plain Node, with throughput and memory/descriptor figures for every epoch and an SVG chart.
//
//   npm run demo -- [--files 2000] [--epochs 10] [--out demo-output]
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { memorySnapshot, native } from '../src/index.js';
import { panelChartSvg, formatValue } from '../src/report/svg.js';
import { writeTextData } from './data.js';
import { example1Epoch, example1Loader } from './example1.js';
import { PlainTextDataset, plainEpoch } from './example1-plain.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'demo-output' },
  },
});
const files = Number(values.files);
const epochs = Number(values.epochs);
const out = resolve(values.out!);
const dataDir = join(out, 'example1-data');

interface Row {
  epoch: number;
  itemsPerSec: number;
  rss: number;
  heapUsed: number;
  external: number;
  fds: number;
  arena: number;
}

function progress(text: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${text}`.padEnd(80));
  else console.log(text);
}

async function measure(name: string, runEpoch: () => Promise<{ items: number }> | { items: number }, arena: () => number): Promise<Row[]> {
  const rows: Row[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const t0 = performance.now();
    const { items } = await runEpoch();
    const seconds = (performance.now() - t0) / 1000;
    globalThis.gc?.();
    await new Promise((r) => setImmediate(r));
    const m = memorySnapshot();
    rows.push({ epoch, itemsPerSec: items / seconds, rss: m.rss, heapUsed: m.heapUsed, external: m.external, fds: m.fds ?? -1, arena: arena() });
    progress(`${name}: epoch ${epoch}/${epochs}  ${formatValue(items / seconds, 'items/s')}`);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');
  return rows;
}

function table(name: string, rows: Row[]): void {
  console.log(`\n${name}`);
  console.log('epoch   items/s        RSS    heap used   external   fds   arena');
  for (const r of rows) {
    console.log(
      `${String(r.epoch).padStart(5)}  ${formatValue(r.itemsPerSec, '').padStart(8)}  ${formatValue(r.rss, 'bytes').padStart(10)}  ` +
        `${formatValue(r.heapUsed, 'bytes').padStart(10)}  ${formatValue(r.external, 'bytes').padStart(9)}  ${String(r.fds).padStart(4)}  ${formatValue(r.arena, 'bytes').padStart(9)}`,
    );
  }
  const first = rows[1] ?? rows[0]!;
  const last = rows[rows.length - 1]!;
  console.log(
    `  after warm-up (epoch ${first.epoch} → ${last.epoch}): RSS ${sign(last.rss - first.rss)}, descriptors ${last.fds - first.fds >= 0 ? '+' : ''}${last.fds - first.fds}, ` +
      `arena ${sign(last.arena - first.arena)}`,
  );
}

function sign(bytes: number): string {
  return `${bytes >= 0 ? '+' : '-'}${formatValue(Math.abs(bytes), 'bytes')}`;
}

async function main(): Promise<void> {
  console.log(`tensorloader demo — the seed's Example 1 (${files} text files of 10 numbers, batch 32, ${epochs} epochs)`);
  console.log(`native addon: N-API ${native.napiVersion}, libvips ${native.vipsVersion}; gc between epochs: ${globalThis.gc ? 'yes' : 'no (run with --expose-gc)'}`);
  mkdirSync(out, { recursive: true });
  if (!existsSync(dataDir) || readdirSync(dataDir).length !== files) {
    progress(`writing ${files} files to ${dataDir} …`);
    writeTextData(dataDir, files, 10, 0);
    if (process.stdout.isTTY) process.stdout.write('\n');
  }

  const loader = example1Loader(dataDir);
  const tl = await measure('tensorloader', () => example1Epoch(loader), () => loader.stats().arenaBytes);
  loader.close();
  const plain = new PlainTextDataset(dataDir);
  const node = await measure('plain Node', () => plainEpoch(plain), () => 0);

  table('tensorloader (native threads, fixed arena)', tl);
  table('plain Node (readFileSync + split + Float32Array)', node);
  const best = (rows: Row[]) => Math.max(...rows.map((r) => r.itemsPerSec));
  console.log(`\nbest epoch: tensorloader ${formatValue(best(tl), 'items/s')}, plain Node ${formatValue(best(node), 'items/s')} → ${(best(tl) / best(node)).toFixed(1)}x`);

  const series = (rows: Row[], key: keyof Row) => rows.map((r) => [r.epoch, r[key]] as const);
  const svg = panelChartSvg({
    title: "Seed Example 1: memory and descriptors over epochs",
    subtitle: `${files} text files, batch 32; gc between epochs`,
    xLabel: 'epoch',
    panels: [
      { title: 'Throughput', unit: 'items/s', series: [{ name: 'tensorloader', points: series(tl, 'itemsPerSec') }, { name: 'plain Node', points: series(node, 'itemsPerSec') }] },
      { title: 'Resident set size', unit: 'bytes', series: [{ name: 'tensorloader', points: series(tl, 'rss') }, { name: 'plain Node', points: series(node, 'rss') }] },
      { title: 'V8 heap used', unit: 'bytes', series: [{ name: 'tensorloader', points: series(tl, 'heapUsed') }, { name: 'plain Node', points: series(node, 'heapUsed') }] },
      { title: 'Open file descriptors', unit: 'fds', series: [{ name: 'tensorloader', points: series(tl, 'fds') }, { name: 'plain Node', points: series(node, 'fds') }] },
      { title: 'tensorloader arena', unit: 'bytes', series: [{ name: 'arena bytes', points: series(tl, 'arena') }] },
    ],
  });
  const chart = join(out, 'example1.svg');
  writeFileSync(chart, svg);
  writeFileSync(join(out, 'example1.json'), JSON.stringify({ files, epochs, tensorloader: tl, plainNode: node }, null, 2));
  console.log(`chart: ${chart}\nnumbers: ${join(out, 'example1.json')}`);
}

await main();
