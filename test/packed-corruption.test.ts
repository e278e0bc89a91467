// A packed file that is truncated, bit-flipped or hostile gives a clear error naming the shard
// and record, never an out-of-bounds read; a pack that fails or is killed leaves the previous
// output (or none), never a half file that reads as valid.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, ImageFilesDataset, ItemError, nativeCounters, PackedDataset, pack, TensorLoaderError, TextTensorDataset } from '../src/index.js';
import { writeImageData } from '../examples/data.js';
import { crc32c, editFile, entryOf, layoutOf, resealHeader } from './helpers/packed-bytes.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

let tmp: string;
let good: string;
let text: TextFolder;
let images: string[];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'tl-corrupt-'));
  images = writeImageData(join(tmp, 'imgs'), 12, 24, 3);
  good = join(tmp, 'good.tlpack');
  await pack(new ImageFilesDataset(images, { size: 16, dtype: 'uint8', layout: 'HWC', labels: images.map((_, i) => i) }), good);
  text = makeTextFolder(400, 10, 3);
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  text.cleanup();
});

function variant(name: string, edit: (buf: Buffer) => Buffer | void): string {
  const path = join(tmp, `${name}.tlpack`);
  copyFileSync(good, path);
  editFile(path, edit);
  return path;
}

function openError(path: string): TensorLoaderError {
  try {
    new PackedDataset(path);
  } catch (e) {
    return e as TensorLoaderError;
  }
  throw new Error(`${path} opened`);
}

describe('corruption matrix', () => {
  it('truncated at every section boundary (and one byte short): refused on open, naming the file', () => {
    const l = layoutOf(readFileSync(good));
    const cuts = [0, 7, 64, 127, 128, l.headerBytes - 1, l.headerBytes, l.dataOffset, l.dataOffset + 100, l.indexOffset, l.indexOffset + 17, l.fileBytes - 1];
    for (const cut of cuts) {
      const path = variant(`cut-${cut}`, (b) => b.subarray(0, cut));
      const err = openError(path);
      expect(['EEMPTY', 'EFORMAT', 'ESHRUNK'], `cut at ${cut}`).toContain(err.code);
      expect(err.message).toContain(path);
      if (cut >= 128) expect(err.message).toMatch(/truncated/);
    }
  });

  it('wrong magic, another version, a flipped byte in the header, the field table, the meta or the index: refused on open', () => {
    const l = layoutOf(readFileSync(good));
    expect(openError(variant('magic', (b) => void b.write('GIF89a', 0, 'latin1'))).message).toMatch(/wrong magic/);
    expect(openError(variant('version', (b) => void b.writeUInt32LE(2, 8))).message).toMatch(/version 2 is not supported.*repack/);
    for (const at of [20, 40, 100, 128 + 3, 128 + 48, l.headerBytes - 2, l.indexOffset + 3, l.fileBytes - 1]) {
      const err = openError(variant(`flip-${at}`, (b) => void (b[at]! ^= 0x10)));
      expect(err.code, `byte ${at}`).toMatch(/EFORMAT|ESHRUNK/);
    }
  });

  it('a hostile index with a valid checksum (record past the end, inside the header, wrong size) is caught by the bounds checks', () => {
    const hostile: Array<[string, (b: Buffer) => void]> = [
      ['past-end', (b) => b.writeBigUInt64LE(BigInt(layoutOf(b).fileBytes - 10), entryOf(b, 5, 0).at)],
      ['huge', (b) => b.writeBigUInt64LE(0xfffffffffffff000n, entryOf(b, 5, 0).at)],
      ['in-header', (b) => b.writeBigUInt64LE(16n, entryOf(b, 2, 0).at)],
      ['in-index', (b) => b.writeBigUInt64LE(BigInt(layoutOf(b).indexOffset), entryOf(b, 0, 1).at)],
      ['wrong-size', (b) => b.writeUInt32LE(99, entryOf(b, 7, 0).at + 8)],
      ['record-count', (b) => b.writeBigUInt64LE(1000000n, 32)],
      ['field-count', (b) => b.writeUInt32LE(2000, 88)],
      ['shape', (b) => b.writeBigUInt64LE(1n << 62n, 128 + 64)],
    ];
    for (const [name, edit] of hostile) {
      const err = openError(variant(`hostile-${name}`, (b) => { edit(b); resealHeader(b); }));
      expect(err.code, name).toBe('EFORMAT');
      expect(err.message, name).toMatch(/not a valid packed file/);
    }
    expect(openError(join(tmp, 'hostile-past-end.tlpack')).message).toMatch(/record 5 field 'image'.*outside the record area/);
  });

  it('records that overlap, every CRC valid (record 1 = record 0\'s bytes, or half into them): refused on open', () => {
    const shared = variant('overlap-same', (b) => {
      const e0 = entryOf(b, 0, 0);
      const e1 = entryOf(b, 1, 0);
      b.writeBigUInt64LE(BigInt(e0.offset), e1.at);
      b.writeUInt32LE(e0.crc, e1.at + 12); // record 1's CRC now matches the bytes it points at
      resealHeader(b);
    });
    const err = openError(shared);
    expect(err).toBeInstanceOf(TensorLoaderError);
    expect(err.code).toBe('EFORMAT');
    expect(err.message).toMatch(/record 1 field 'image' at \d+ overlaps record 0 field 'image'/);
    expect(err.message).toContain(shared);
    const half = variant('overlap-half', (b) => {
      const e2 = entryOf(b, 2, 0);
      const e3 = entryOf(b, 3, 0);
      const offset = e2.offset + Math.floor(e2.length / 2);
      b.writeBigUInt64LE(BigInt(offset), e3.at);
      b.writeUInt32LE(crc32c(b.subarray(offset, offset + e3.length)), e3.at + 12);
      resealHeader(b);
    });
    expect(openError(half).message).toMatch(/record 3 field 'image' .*overlaps record 2 field 'image'/);
  });

  it('a flipped bit in a record: get(i), the loader and verify() each name the shard and record; the other records read fine', async () => {
    const path = variant('record-flip', (b) => void (b[entryOf(b, 4, 0).offset + 100]! ^= 1));
    const ds = new PackedDataset(path);
    expect(() => ds.get(4)).toThrow(ItemError);
    try {
      ds.get(4);
    } catch (e) {
      const err = e as ItemError;
      expect(err.code).toBe('EDECODE');
      expect(err.index).toBe(4);
      expect(err.path).toBe(`${path}#4`);
      expect(err.message).toMatch(/record 4 field 'image' fails its checksum/);
    }
    expect(Array.from(ds.get(5).label! as ArrayLike<number>)).toEqual([5]);
    const report = await ds.verify();
    expect(report.ok).toBe(false);
    expect(report.failures.map((f) => f.index)).toEqual([4]);
    const loader = new DataLoader(ds, { batchSize: 5, onError: 'skip' });
    const seen: number[] = [];
    for await (const batch of loader) {
      // With a skipped row both fields are compacted together: labels still match images.
      batch.indices.forEach((i, r) => {
        expect((batch.fields.label!.data as Int32Array)[r]).toBe(i);
        expect(Buffer.from((batch.data as unknown as Uint8Array).subarray(r * 768, (r + 1) * 768)).equals(Buffer.from(new PackedDataset(good).get(i).image as Uint8Array))).toBe(true);
      });
      seen.push(...batch.indices);
    }
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11]);
    expect(loader.errors.map((e) => [e.index, e.code])).toEqual([[4, 'EDECODE']]);
    loader.close();
    const unchecked = new PackedDataset(path, { verify: 'never' });
    expect(() => unchecked.get(4)).not.toThrow();
    expect(nativeCounters().slotsLeased).toBe(0);
  });

  it('a corrupt encoded record (checksum sealed again) is a decode error naming the record, not a crash', async () => {
    const enc = join(tmp, 'enc.tlpack');
    await pack(new ImageFilesDataset(images, { size: 16 }), enc, { encoded: true });
    editFile(enc, (b) => {
      const e = entryOf(b, 2, 0);
      b.fill(0x41, e.offset + 40, e.offset + e.length);
      // Recompute the record's own CRC too: only the decoder can notice now.
      b.writeUInt32LE(crc32c(b.subarray(e.offset, e.offset + e.length)), e.at + 12);
      resealHeader(b);
    });
    const ds = new PackedDataset(enc);
    expect(() => ds.get(2)).toThrow(/item 2 \(.*enc\.tlpack#2\)/);
    expect(ds.get(3).image!.length).toBe(3 * 16 * 16);
  });
});

describe('a packed file changed while mapped', () => {
  it('truncated under an open dataset: every read is ESHRUNK naming shard and record (the index, at the end, goes first), the process lives', async () => {
    const path = join(tmp, 'shrinking.tlpack');
    for (const verify of ['first-read', 'never'] as const) {
      copyFileSync(good, path);
      const ds = new PackedDataset(path, { verify });
      expect(ds.get(2).label![0]).toBe(2);
      truncateSync(path, Math.floor(entryOf(readFileSync(path), 9, 0).offset / 4096) * 4096);
      for (const i of [2, 11]) {
        let err: ItemError | undefined;
        try {
          ds.get(i);
        } catch (e) {
          err = e as ItemError;
        }
        expect(err?.code, `${verify} ${i}`).toBe('ESHRUNK');
        expect(err?.path).toBe(`${path}#${i}`);
        expect(err?.message).toMatch(new RegExp(`truncated while mapped \\(.*record ${i} is past its end\\)`));
      }
      const loader = new DataLoader(ds, { batchSize: 4, onError: 'skip' });
      let rows = 0;
      for await (const batch of loader) rows += batch.size;
      expect(rows).toBe(0);
      expect(loader.errors.length).toBe(12);
      expect(loader.errors.every((e) => e.code === 'ESHRUNK')).toBe(true);
      loader.close();
      expect(nativeCounters().slotsLeased).toBe(0);
    }
    // Reopened, the cut file is refused as a whole.
    truncateSync(path, 6000);
    expect(openError(path).message).toMatch(/truncated/);
  });
});

describe('atomic pack', () => {
  it('a failed pack leaves the previous output byte for byte and no temporary file', async () => {
    const out = join(tmp, 'atomic', 'data.tlpack');
    mkdirSync(join(tmp, 'atomic'));
    await pack(new TextTensorDataset(text.files.slice(0, 50), { length: 10 }), out);
    const before = readFileSync(out);
    const failing = { length: 100, get: (i: number) => { if (i === 70) throw new Error('disk on fire'); return new Float32Array(10).fill(i); } };
    await expect(pack(failing, out, { groupSize: 16 })).rejects.toThrow(/get\(70\) failed: disk on fire/);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(join(tmp, 'atomic'))).toEqual(['data.tlpack']);
    const aborted = new AbortController();
    const slow = { length: 100, get: async (i: number) => { if (i === 40) aborted.abort(); return new Float32Array(10).fill(i); } };
    await expect(pack(slow, out, { groupSize: 16, signal: aborted.signal })).rejects.toThrow(/abort/i);
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(join(tmp, 'atomic'))).toEqual(['data.tlpack']);
  });

  it('a missing or read-only output folder is a clear error; nothing is written', async () => {
    const src = new TextTensorDataset(text.files.slice(0, 10), { length: 10 });
    await expect(pack(src, join(tmp, 'no', 'such', 'dir', 'x.tlpack'))).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringMatching(/cannot create a file in .*no\/such\/dir/) });
    const ro = join(tmp, 'ro');
    mkdirSync(ro);
    // root ignores permission bits; the immutable attribute stops root too.
    const root = process.getuid?.() === 0;
    if (root) expect(spawnSync('chattr', ['+i', ro]).status).toBe(0);
    else chmodSync(ro, 0o555);
    try {
      await expect(pack(src, join(ro, 'x.tlpack'))).rejects.toMatchObject({
        code: 'EIO',
        message: expect.stringMatching(/cannot create a file in .*ro: (Permission denied|Operation not permitted)/),
      });
      expect(readdirSync(ro)).toEqual([]);
    } finally {
      if (root) spawnSync('chattr', ['-i', ro]);
    }
  });

  it('a full disk (file size limit) while writing is a clear error and leaves the old output', () => {
    const out = join(tmp, 'full', 'data.tlpack');
    mkdirSync(join(tmp, 'full'));
    writeFileSync(out, 'old output');
    const script = `
      import { pack, TextTensorDataset } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'index.ts'))};
      const files = ${JSON.stringify(text.files)};
      try { await pack(new TextTensorDataset(files, { length: 10 }), ${JSON.stringify(out)}, { groupSize: 8 }); console.log('packed'); }
      catch (e) { console.log('error', e.code, e.message); }`;
    // ulimit -f makes writes past 8 KiB fail with EFBIG, as a full disk would fail them (SIGXFSZ ignored).
    const r = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 8; exec "${process.execPath}" --import tsx --input-type=module -e "$0"`, script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/^error EIO cannot write the packed file: .*File too large/m);
    expect(readFileSync(out, 'utf8')).toBe('old output');
    expect(readdirSync(join(tmp, 'full'))).toEqual(['data.tlpack']);
  });

  it('kill -9 in the middle of a pack leaves the previous output intact and no temporary file', async () => {
    const dir = join(tmp, 'kill');
    mkdirSync(dir);
    const out = join(dir, 'big.tlpack');
    writeFileSync(out, 'previous output');
    const srcDir = join(tmp, 'kill-src');
    writeImageData(srcDir, 600, 64, 11);
    const script = `
      import { pack, ImageFilesDataset, listFiles } from ${JSON.stringify(join(import.meta.dirname, '..', 'src', 'index.ts'))};
      const ds = new ImageFilesDataset(listFiles(${JSON.stringify(srcDir)}), { size: 64, dtype: 'uint8', layout: 'HWC' });
      await pack(ds, ${JSON.stringify(out)}, { groupSize: 16, threads: 1, progress: (p) => { if (p.done >= 64) { console.log('progress', p.done); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30_000); } } });
      console.log('finished');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out1 = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out1 += d;
        if (out1.includes('progress')) {
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(out1).not.toContain('finished');
    expect(child.signalCode).toBe('SIGKILL');
    expect(readFileSync(out, 'utf8')).toBe('previous output');
    expect(readdirSync(dir)).toEqual(['big.tlpack']);
    // And the same pack, not interrupted, replaces it with a valid file.
    await pack(new ImageFilesDataset(readdirSync(srcDir).map((f) => join(srcDir, f)), { size: 64, dtype: 'uint8', layout: 'HWC' }), out);
    expect(new PackedDataset(out).length).toBe(600);
    expect(statSync(out).size).toBeGreaterThan(600 * 64 * 64 * 3);
  }, 60_000);
});
