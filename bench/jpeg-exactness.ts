// What the JPEG decoding modes cost in exactness, on a directory of JPEGs (the bench's
// ImageNet-like set by default): Resize(R) + CenterCrop(C) bilinear, uint8, against PIL's
// full-decode pipeline and PIL's draft() pipeline (references by
// test/helpers/jpeg-references.py). Prints mean and max absolute differences in 8-bit levels.
//   node --import tsx bench/jpeg-exactness.ts [DIR] [COUNT] [R C]   (default 256 224)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageFilesDataset } from '../src/index.js';

const dir = process.argv[2] ?? 'bench/.data/imagenet-300';
const count = Number(process.argv[3] ?? 200);
const resize = Number(process.argv[4] ?? 256);
const crop = Number(process.argv[5] ?? 224);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.jpg'))
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
  .slice(0, count);
const refs = mkdtempSync(join(tmpdir(), 'tl-jpeg-exactness-'));
try {
  process.stderr.write(`PIL references of ${files.length} JPEGs from ${dir} …\n`);
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, '..', 'test', 'helpers', 'jpeg-references.py'), '--geometry', String(resize), String(crop), refs, ...files.map((f) => join(dir, f))]);
  const geometry = { size: [crop, crop] as [number, number], fit: 'cover' as const, cropFraction: crop / resize, kernel: 'bilinear' as const, dtype: 'uint8' as const, layout: 'HWC' as const };
  const rows: string[] = [];
  for (const [mode, shrinkOnLoad] of [['exact (shrinkOnLoad: false)', false], ['fast (shrinkOnLoad: true, default)', true]] as const) {
    const ds = new ImageFilesDataset(files.map((f) => join(dir, f)), { ...geometry, shrinkOnLoad });
    for (const kind of ['full', 'draft'] as const) {
      let sum = 0;
      let max = 0;
      let n = 0;
      files.forEach((f, i) => {
        const got = ds.get(i) as Uint8Array;
        const ref = readFileSync(join(refs, f.replace('.jpg', `.${kind}.raw`)));
        for (let k = 0; k < got.length; k++) {
          const d = Math.abs(got[k]! - ref[k]!);
          sum += d;
          if (d > max) max = d;
        }
        n += got.length;
      });
      rows.push(`| ${mode} | PIL ${kind === 'full' ? 'full decode' : 'draft()'} | ${(sum / n).toFixed(3)} | ${max} |`);
    }
  }
  console.log(`${files.length} JPEGs from ${dir}, Resize(${resize}) + CenterCrop(${crop})\n\n| tensorloader | vs | mean abs diff | max abs diff |\n|---|---|---|---|\n${rows.join('\n')}`);
} finally {
  rmSync(refs, { recursive: true, force: true });
}
