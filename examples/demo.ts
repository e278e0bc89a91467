// `npm run demo`: the seed's question — does a dataset leak memory during basic I/O? — answered
// by measurement. Generates the seed's data, runs its three pipelines the tensorloader way and
// three naive Node pipelines under the leak audit, prints a table per pipeline and a summary,
// and writes one SVG chart per pipeline.
//
//   npm run demo -- [--files 2000] [--images 500] [--epochs 10] [--out demo-output]
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { audit, native, reportSvg, reportTable, type AuditReport } from '../src/index.js';
import { writeImageData, writeTextData } from './data.js';
import { example1, example2, example3, example3Packed, naiveDescriptorLeak, naiveGarbageOnly, naiveGrowingCache, type Pipeline } from './seed-examples.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '2000' },
    images: { type: 'string', default: '500' },
    epochs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'demo-output' },
  },
});
const files = Number(values.files);
const images = Number(values.images);
const epochs = Number(values.epochs);
const out = resolve(values.out!);
const textDir = join(out, 'example1-data');
const imageDir = join(out, 'example2-data');

function progress(text: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\r${text}`.padEnd(90));
  else console.log(text);
}

async function main(): Promise<void> {
  console.log(`tensorloader demo — does a dataset leak memory during basic I/O? (${epochs} epochs per pipeline)`);
  console.log(`native addon: N-API ${native.napiVersion}, libvips ${native.vipsVersion}; gc between epochs: ${globalThis.gc ? 'yes' : 'no (run with --expose-gc)'}`);
  mkdirSync(out, { recursive: true });
  if (!existsSync(textDir) || readdirSync(textDir).length !== files) {
    progress(`writing ${files} text files (the seed's str(np.random.rand(10))) …`);
    writeTextData(textDir, files, 10, 0);
  }
  if (!existsSync(imageDir) || readdirSync(imageDir).length !== images) {
    progress(`writing ${images} random 100x100 PNGs (the seed's Example 2) …`);
    writeImageData(imageDir, images, 100, 0);
  }
  if (process.stdout.isTTY) process.stdout.write('\n');

  const pipelines: Array<() => Pipeline | Promise<Pipeline>> = [
    () => example1(textDir),
    () => example2(imageDir),
    () => example3(textDir),
    () => example3Packed(imageDir, join(out, 'example2-64.tlpack')),
    () => naiveDescriptorLeak(textDir),
    () => naiveGrowingCache(textDir),
    () => naiveGarbageOnly(textDir),
  ];
  const results: Array<{ p: Pipeline; r: AuditReport; svg: string }> = [];
  for (const make of pipelines) {
    const p = await make();
    const r = await audit(p.epoch, {
      epochs,
      warmupEpochs: 2,
      onEpoch: (e, s) => progress(`${p.name}: epoch ${e + 1}/${epochs}, ${Math.round(s.itemsPerSec)} items/s`),
    });
    p.close?.();
    if (process.stdout.isTTY) process.stdout.write('\n');
    const svg = join(out, `${p.name.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '').toLowerCase()}.svg`);
    writeFileSync(svg, reportSvg(r, `${p.name}: ${p.about}`));
    results.push({ p, r, svg });
    console.log(`\n${reportTable(r, p.name)}`);
  }

  console.log('\nsummary');
  for (const { p, r, svg } of results) {
    const best = Math.max(...r.perEpoch.map((s) => s.itemsPerSec));
    const verdict = r.leaks ? `LEAKS: ${r.grew.join(', ')}` : 'no leak';
    console.log(`  ${p.name.padEnd(28)} ${verdict.padEnd(44)} ${Math.round(best).toLocaleString('en').padStart(9)} items/s   ${svg}`);
  }
  writeFileSync(join(out, 'audit.json'), JSON.stringify(results.map(({ p, r }) => ({ name: p.name, about: p.about, report: r })), null, 2));
  console.log(`numbers: ${join(out, 'audit.json')}`);
}

await main();
