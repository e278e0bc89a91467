// The seed's Example 1 as plain Node would write it: readFileSync + split + Float32Array per
// item, stacked into a batch array. The baseline tensorloader is measured against.
import { readFileSync } from 'node:fs';
import { listFiles } from '../src/files.js';

export class PlainTextDataset {
  readonly files: string[];
  constructor(dir: string) {
    this.files = listFiles(dir);
  }
  get length(): number {
    return this.files.length;
  }
  get(i: number): Float32Array {
    const text = readFileSync(this.files[i]!, 'utf8');
    return Float32Array.from(text.replace(/[[\]]/g, ' ').trim().split(/[\s,]+/), Number);
  }
}

export function plainEpoch(ds: PlainTextDataset, batchSize = 32): { items: number; checksum: number } {
  let items = 0;
  let checksum = 0;
  for (let start = 0; start < ds.length; start += batchSize) {
    const n = Math.min(batchSize, ds.length - start);
    const rows = Array.from({ length: n }, (_, r) => ds.get(start + r));
    const batch = new Float32Array(n * rows[0]!.length);
    rows.forEach((row, r) => batch.set(row, r * row.length));
    items += n;
    checksum += batch[batch.length - 1]!;
  }
  return { items, checksum };
}
