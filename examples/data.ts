// Generates the seed article's data: Example 1's small text files of numbers, written the way
// numpy prints `str(np.random.rand(10))`. Deterministic for a given seed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Xoshiro128 } from '../src/prng.js';
import { encodePng, type RowFilters } from './png.js';

/** `values` formatted like numpy's str(): 8 decimals, trailing zeros trimmed, lines wrapped at 75. */
export function numpyStyle(values: ArrayLike<number>): string {
  const parts = Array.from(values, (v) => v.toFixed(8).replace(/0+$/, ''));
  const width = Math.max(...parts.map((p) => p.length));
  const lines: string[] = [];
  let line = '';
  for (const p of parts) {
    const cell = p.padEnd(width);
    const next = line === '' ? cell : `${line} ${cell}`;
    if (next.length > 73 && line !== '') {
      lines.push(line.trimEnd());
      line = cell;
    } else {
      line = next;
    }
  }
  lines.push(line.trimEnd());
  return `[${lines.join('\n ')}]`;
}

export interface TextData {
  dir: string;
  files: string[];
  /** What numpy would read back from each file (the printed decimals rounded to float32). */
  values: Float32Array[];
}

/** Writes `count` files data_0.txt … data_{count-1}.txt of `length` random numbers into `dir`. */
export function writeTextData(dir: string, count: number, length = 10, seed = 0): TextData {
  mkdirSync(dir, { recursive: true });
  const rng = new Xoshiro128(seed);
  const files: string[] = [];
  const values: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const text = numpyStyle(Array.from({ length }, () => rng.nextFloat()));
    const path = join(dir, `data_${i}.txt`);
    writeFileSync(path, text);
    files.push(path);
    values.push(Float32Array.from(text.slice(1, -1).trim().split(/\s+/).map(Number)));
  }
  return { dir, files, values };
}

/**
 * The seed's Example 2 data: `count` random RGB PNGs of size × size, img_0.png … (the seed
 * uses numpy's rand * 255 at 100 × 100). Random pixels barely compress, like the seed's files.
 * `filters`: 'adaptive' chooses a row filter per row as PIL does (see encodePng).
 */
export function writeImageData(dir: string, count: number, size = 100, seed = 0, filters: RowFilters = 'none'): string[] {
  mkdirSync(dir, { recursive: true });
  const rng = new Xoshiro128(seed);
  const files: string[] = [];
  const pixels = new Uint8Array(size * size * 3);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < pixels.length; p += 4) {
      const r = rng.nextUint32();
      pixels[p] = r & 255;
      if (p + 1 < pixels.length) pixels[p + 1] = (r >>> 8) & 255;
      if (p + 2 < pixels.length) pixels[p + 2] = (r >>> 16) & 255;
      if (p + 3 < pixels.length) pixels[p + 3] = r >>> 24;
    }
    const path = join(dir, `img_${i}.png`);
    writeFileSync(path, encodePng(size, size, 3, pixels, 6, filters));
    files.push(path);
  }
  return files;
}
