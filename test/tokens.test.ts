// TokenDataset against numpy: windows x = data[o:o+B], y = data[o+1:o+1+B] of a file numpy
// wrote (np.memmap slices), seeded random offsets fixed by (seed, epoch), non-overlapping
// windows, and a long-lived mapping whose RSS stays flat (nanoGPT PR #428's concern: its pages
// are file-backed, and the audit says so instead of calling them a leak).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, DataLoader, memorySnapshot, reportTable, TokenDataset } from '../src/index.js';
import { plainEnv } from './helpers/nginx.js';

const sanitizer = process.env.TENSORLOADER_SANITIZER === '1';
let dir: string;
const npy = (path: string): Buffer => {
  const raw = readFileSync(path);
  return raw.subarray(10 + raw.readUInt16LE(8));
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-tok-'));
  execFileSync('/usr/bin/python3', ['-c', `
import numpy as np
rng = np.random.default_rng(1)
rng.integers(0, 50257, 100_003, dtype=np.uint16).tofile('${dir}/train.bin')
rng.integers(0, 2**31 - 1, 5_000, dtype=np.uint32).tofile('${dir}/big.bin')
rng.integers(0, 50257, 32 * 2**20, dtype=np.uint16).tofile('${dir}/long.bin')
`], { env: plainEnv() });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// numpy's windows for these offsets, as int64 [n, 2, B].
function numpyWindows(file: string, dtype: string, offsets: number[], block: number): BigInt64Array {
  writeFileSync(join(dir, 'offsets.json'), JSON.stringify(offsets));
  execFileSync('/usr/bin/python3', ['-c', `
import json, numpy as np
data = np.memmap('${file}', dtype=np.${dtype}, mode='r')
offsets = json.load(open('${dir}/offsets.json'))
out = np.stack([np.stack([data[o:o+${block}], data[o+1:o+1+${block}]]) for o in offsets]).astype(np.int64)
np.save('${dir}/windows.npy', out)
`], { env: plainEnv() });
  const b = npy(join(dir, 'windows.npy'));
  return new BigInt64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

async function windowsOf(ds: TokenDataset<'int32' | 'int64'>, loader: DataLoader<any>): Promise<{ offsets: number[]; rows: bigint[][] }> {
  const offsets: number[] = [];
  const rows: bigint[][] = [];
  for await (const batch of loader) {
    const x = batch.fields.x!.data as Int32Array | BigInt64Array;
    const y = batch.fields.y!.data as Int32Array | BigInt64Array;
    batch.indices.forEach((i, r) => {
      offsets.push(ds.offset(i, batch.epoch));
      const B = ds.blockSize;
      rows.push([...Array.from(x.subarray(r * B, (r + 1) * B), BigInt), ...Array.from(y.subarray(r * B, (r + 1) * B), BigInt)]);
    });
  }
  return { offsets, rows };
}

describe('TokenDataset', () => {
  it('random windows equal numpy slices at their offsets, fixed by (seed, epoch)', async () => {
    const ds = new TokenDataset(join(dir, 'train.bin'), { dtype: 'uint16', blockSize: 64, length: 300, seed: 7 });
    expect(ds.tokens).toBe(100_003);
    expect(ds.length).toBe(300);
    const loader = new DataLoader(ds, { batchSize: 32 });
    const e0 = await windowsOf(ds, loader);
    const e1 = await windowsOf(ds, loader);
    expect(e0.offsets).not.toEqual(e1.offsets); // a new draw each epoch
    for (const e of [e0, e1]) {
      expect(Math.max(...e.offsets)).toBeLessThanOrEqual(100_003 - 64 - 1);
      const ref = numpyWindows(join(dir, 'train.bin'), 'uint16', e.offsets, 64);
      expect(e.rows.flat()).toEqual(Array.from(ref));
    }
    // The same (seed, epoch) gives the same windows on another loader and through get().
    const again = await windowsOf(ds, new DataLoader(ds, { batchSize: 7, threads: 1 }));
    expect(again.offsets).toEqual(e0.offsets);
    const other = new TokenDataset(join(dir, 'train.bin'), { dtype: 'uint16', blockSize: 64, length: 300, seed: 8 });
    expect(other.offset(0, 0)).not.toBe(ds.offset(0, 0));
    const one = ds.get(5, 1);
    expect(Array.from(one.x as Int32Array, BigInt)).toEqual(e1.rows[5]!.slice(0, 64));
    loader.close();
  });

  it('sequential windows are non-overlapping, the same every epoch; uint32 tokens and int64 output', async () => {
    const ds = new TokenDataset(join(dir, 'big.bin'), { dtype: 'uint32', blockSize: 100, windows: 'sequential', outputDtype: 'int64' });
    expect(ds.length).toBe(Math.floor((5000 - 1) / 100));
    const loader = new DataLoader(ds, { batchSize: 16 });
    const e = await windowsOf(ds, loader);
    expect(e.offsets).toEqual(Array.from({ length: 49 }, (_, i) => i * 100));
    expect((await windowsOf(ds, loader)).offsets).toEqual(e.offsets);
    expect(e.rows.flat()).toEqual(Array.from(numpyWindows(join(dir, 'big.bin'), 'uint32', e.offsets, 100)));
    loader.close();
  });

  it('refuses bad options and files, and tokens that do not fit in int32', async () => {
    const p = join(dir, 'train.bin');
    expect(() => new TokenDataset(p, { dtype: 'uint8' as any, blockSize: 4 })).toThrow(/dtype must be/);
    expect(() => new TokenDataset(p, { dtype: 'uint16', blockSize: 0 })).toThrow(/blockSize/);
    expect(() => new TokenDataset(p, { dtype: 'uint16', blockSize: 4, windows: 'strided' as any })).toThrow(/windows must be/);
    expect(() => new TokenDataset(p, { dtype: 'uint16', blockSize: 4, shuffle: true } as any)).toThrow(/unknown option 'shuffle'/);
    expect(() => new TokenDataset(p, { dtype: 'uint16', blockSize: 4, windows: 'sequential', length: 10 ** 6 })).toThrow(/more than the/);
    expect(() => new TokenDataset(p, { dtype: 'uint32', blockSize: 4 })).toThrow(expect.objectContaining({ code: 'ECOUNT' })); // 100,003 uint16 are not whole uint32s
    expect(() => new TokenDataset(p, { dtype: 'uint16', blockSize: 100_003 })).toThrow(/need 100004/);
    expect(() => new TokenDataset(join(dir, 'none.bin'), { dtype: 'uint16', blockSize: 4 })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    const huge = join(dir, 'huge.bin');
    writeFileSync(huge, Buffer.from(Uint32Array.from([1, 2, 0xffffffff, 4, 5]).buffer));
    const ds = new TokenDataset(huge, { dtype: 'uint32', blockSize: 2, windows: 'sequential' });
    expect(() => ds.get(1)).toThrow(/does not fit in int32/);
    expect(Array.from(new TokenDataset(huge, { dtype: 'uint32', blockSize: 2, windows: 'sequential', outputDtype: 'int64' }).get(1).y as BigInt64Array)).toEqual([4n, 5n]);
  });

  it.skipIf(memorySnapshot().rssAnon === undefined)('a long-lived mapping of a 64 MiB token file keeps anonymous memory flat; the audit reports its pages as file-backed, no leak', async () => {
    const ds = new TokenDataset(join(dir, 'long.bin'), { dtype: 'uint16', blockSize: 256, length: 4096, seed: 1 });
    const loader = new DataLoader(ds, { batchSize: 32 });
    const before = memorySnapshot().rssFile!;
    const r = await audit(loader, { epochs: 10, warmupEpochs: 2, thresholds: sanitizer ? { rss: Infinity } : {} });
    const by = (n: string) => r.series.find((s) => s.name === n)!;
    expect(r.leaks, reportTable(r)).toBe(false);
    // Random windows touch pages all over the mapping: file-backed pages grow (the kernel maps
    // pages around each fault, so most of the file is resident after the first epoch)...
    expect(r.perEpoch[r.perEpoch.length - 1]!.rssFile - before).toBeGreaterThan(16 * 2 ** 20);
    // ...while the process's own memory does not.
    if (!sanitizer) expect(Math.abs(by('rssAnon').slopePerEpoch)).toBeLessThan(by('rssAnon').threshold);
    loader.close();
  });
});
