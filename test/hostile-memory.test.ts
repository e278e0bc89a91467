// Hostile images whose headers declare far more than they hold (a 69-byte PNG, a few hundred
// bytes of JPEG, TIFF, SVG or AVIF declaring 12000x12000 to 16000x16000): each is read in a
// fresh process at 1 and 2 threads, and each must fail (or decode) within the bounds the
// README's Guarantees state:
//   - peak RSS while the item is read (VmHWM, reset just before) at most PEAK_LIMIT above the
//     RSS before it, whatever the header declares (the per-item cap refuses a declared decode
//     over maxItemBytes from the header; what passes is allocated as data arrives);
//   - RSS after the error, close() and gc within RETAINED_LIMIT of before (scratch above a
//     small mark is given back after each item);
//   - the failing batch within TIME_LIMIT_MS (generous: this is a bound, not a benchmark, and
//     the CI machine is shared).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avifDeclaring, jpegDeclaring, pngDeclaring, put, svgDeclaring, tiffDeclaring } from './helpers/hostile-images.js';

const MiB = 1024 * 1024;
const PEAK_LIMIT = 64 * MiB;
const RETAINED_LIMIT = 8 * MiB;
const TIME_LIMIT_MS = 10_000;
const sanitizer = process.env.TENSORLOADER_SANITIZER === '1'; // ASan's quarantine and shadow memory inflate RSS by design

let tmp: string;
const files: Record<string, string> = {};
beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-hostile-'));
  files.good = put(tmp, 'good.png', pngDeclaring(1, 1, 0));
  files['png-16000-rgba'] = put(tmp, 'bomb-rgba.png', pngDeclaring(16000, 16000, 6));
  files['png-12000-grey'] = put(tmp, 'bomb-grey.png', pngDeclaring(12000, 12000, 0));
  files['jpeg-16000-rgb'] = put(tmp, 'bomb-rgb.jpg', await jpegDeclaring(16000, 16000, 3));
  files['jpeg-16000-grey'] = put(tmp, 'bomb-grey.jpg', await jpegDeclaring(16000, 16000, 1));
  files['tiff-16000-rgb'] = put(tmp, 'bomb-rgb.tif', tiffDeclaring(16000, 16000, 3));
  files['tiff-16000-grey'] = put(tmp, 'bomb-grey.tif', tiffDeclaring(16000, 16000, 1));
  files['tiff-5000-grey'] = put(tmp, 'cut-grey.tif', tiffDeclaring(5000, 5000, 1));
  files['svg-16000'] = put(tmp, 'bomb.svg', svgDeclaring(16000, 16000));
  files['avif-16000'] = put(tmp, 'bomb.avif', await avifDeclaring(16000, 16000));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Cost {
  before: number;
  peak: number;
  after: number;
  ms: number;
  errors: Array<{ code: string; message: string }>;
}

function readHostile(name: string, threads: number, options: object = {}): Cost {
  const worker = join(import.meta.dirname, 'workers', 'hostile-item.ts');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', worker, files.good!, files[name]!, String(threads), JSON.stringify(options)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Cost;
}

// [file, the code every copy must fail with (or OK when the data decodes), a part of its
// message, what the cap lets one copy's decode use (the header-declared bytes when they are
// under maxItemBytes and the decoder is libvips, which allocates the region as declared)]
const CASES: Array<[string, string, RegExp, number]> = [
  ['png-16000-rgba', 'ETOOLARGE', /decoding needs \d+ bytes, over this item's memory cap of 536870912/, 0],
  ['png-12000-grey', 'EDECODE', /image data ends early/, 0], // 288 MB declared, under the cap: grown as data arrives
  ['jpeg-16000-rgb', 'ETOOLARGE', /16000x16000 with 3 bands: decoding needs 768000000 bytes/, 0],
  ['jpeg-16000-grey', 'ETOOLARGE', /16000x16000 with 1 bands: decoding needs 1024000000 bytes/, 0], // + its RGB copy
  ['tiff-16000-rgb', 'ETOOLARGE', /decoding needs 768000000 bytes/, 0],
  ['tiff-16000-grey', 'ETOOLARGE', /decoding needs 1024000000 bytes/, 0],
  ['tiff-5000-grey', 'EDECODE', /./, 5000 * 5000 * 4],
  ['svg-16000', 'ETOOLARGE', /decoding needs \d+ bytes/, 0],
  ['avif-16000', 'ETOOLARGE', /decoding needs/, 0],
];

describe.each([1, 2])('one hostile item at %i thread(s): memory and time bounded, nothing retained', (threads) => {
  it.each(CASES)('%s fails with %s', (name, code, why, allowed) => {
    const cost = readHostile(name, threads);
    expect(cost.errors.length, JSON.stringify(cost.errors)).toBe(threads);
    for (const e of cost.errors) {
      expect(e.code, e.message).toBe(code);
      expect(e.message).toMatch(why);
    }
    expect(cost.ms).toBeLessThan(TIME_LIMIT_MS);
    if (!sanitizer) {
      expect(cost.peak - cost.before, `peak ${((cost.peak - cost.before) / MiB).toFixed(1)} MiB over`).toBeLessThan(PEAK_LIMIT + allowed * threads);
      expect(cost.after - cost.before, `retained ${((cost.after - cost.before) / MiB).toFixed(1)} MiB`).toBeLessThan(RETAINED_LIMIT);
    }
  });
});
