// IdxDataset against torchvision.datasets.FashionMNIST on Debian's Fashion-MNIST (every test
// item, image bytes and label), the .gz inflated natively in memory or into an atomic cache,
// and clear errors for broken, hostile and mismatched files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, FASHION_MNIST_CLASSES, IdxDataset, nativeCounters } from '../src/index.js';

const DATA = '/usr/share/datasets/fashion-mnist';
const images = join(DATA, 't10k-images-idx3-ubyte.gz');
const labels = join(DATA, 't10k-labels-idx1-ubyte.gz');
let dir: string;
let torchImages: Buffer; // [10000, 28, 28] uint8 from torchvision's PIL images
let torchLabels: BigInt64Array;
let torchClasses: string[];

const npyData = (path: string): Buffer => {
  const raw = readFileSync(path);
  return raw.subarray(10 + raw.readUInt16LE(8));
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-idx-'));
  const out = execFileSync('/usr/bin/python3', [join(import.meta.dirname, '..', 'scripts', 'fashion-mnist-reference.py'), '--data', DATA, '--out', join(dir, 'ref'), '--split', 'test'], { encoding: 'utf8' });
  torchClasses = out.trim().split(',');
  torchImages = npyData(join(dir, 'ref', 'images.npy'));
  const l = npyData(join(dir, 'ref', 'labels.npy'));
  torchLabels = new BigInt64Array(l.buffer.slice(l.byteOffset, l.byteOffset + l.length));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function idxFile(dims: number[], body: Uint8Array, type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

describe('IdxDataset', () => {
  it('equals torchvision FashionMNIST item for item (all 10,000 test items) through a shuffled loader', async () => {
    const ds = new IdxDataset(images, labels, { classes: FASHION_MNIST_CLASSES });
    expect(ds.length).toBe(10_000);
    expect(ds.itemShape).toEqual([28, 28]);
    expect([...ds.classes!]).toEqual(torchClasses);
    expect(ds.fields!.map((f) => f.name)).toEqual(['image', 'label']);
    const loader = new DataLoader(ds, { batchSize: 256, shuffle: true, seed: 4 });
    let seen = 0;
    let mismatches = 0;
    for await (const batch of loader) {
      const img = batch.fields.image!.data as Uint8Array;
      batch.indices.forEach((item, r) => {
        const ours = Buffer.from(img.buffer, img.byteOffset + r * 784, 784);
        if (!ours.equals(torchImages.subarray(item * 784, (item + 1) * 784))) mismatches++;
        if (BigInt(batch.labels![r]!) !== torchLabels[item]) mismatches++;
        if ((batch.fields.label!.data as Uint8Array)[r] !== batch.labels![r]) mismatches++;
      });
      seen += batch.size;
    }
    expect(mismatches).toBe(0);
    expect(seen).toBe(10_000);
    const item = ds.get(42) as { image: Uint8Array; label: number };
    expect(Buffer.from(item.image).equals(torchImages.subarray(42 * 784, 43 * 784))).toBe(true);
    expect(BigInt(item.label)).toBe(torchLabels[42]);
    loader.close();
  });

  it('reads an inflated file the same as its .gz, and a lone image file as uint8 rows', () => {
    const plain = join(dir, 't10k-images-idx3-ubyte');
    writeFileSync(plain, gunzipSync(readFileSync(images)));
    const a = new IdxDataset(plain);
    expect(a.fields).toBeUndefined();
    expect(a.labels).toBeUndefined();
    expect(Buffer.from(a.get(9999) as Uint8Array).equals(torchImages.subarray(9999 * 784))).toBe(true);
  });

  it('inflates a .gz once into the cache directory, atomically, and maps the cache on the next open', () => {
    const cache = join(dir, 'cache');
    execFileSync('mkdir', ['-p', cache]);
    const first = new IdxDataset(images, labels, { cacheDir: cache });
    expect(first.cachePaths).toHaveLength(2);
    const files = readdirSync(cache).sort();
    expect(files.every((f) => f.endsWith('.idx'))).toBe(true); // no temporary left behind
    expect(files).toHaveLength(2);
    const mappingsBefore = nativeCounters().liveMappings;
    const second = new IdxDataset(images, labels, { cacheDir: cache });
    expect(nativeCounters().liveMappings - mappingsBefore).toBe(2); // the caches, mapped
    expect(second.cachePaths).toEqual(first.cachePaths);
    expect(Buffer.from((second.get(7) as { image: Uint8Array }).image).equals(torchImages.subarray(7 * 784, 8 * 784))).toBe(true);
    // A cache replaced by something that does not parse is made again.
    writeFileSync(first.cachePaths[0]!, 'garbage');
    const third = new IdxDataset(images, labels, { cacheDir: cache });
    expect(Buffer.from((third.get(7) as { image: Uint8Array }).image).equals(torchImages.subarray(7 * 784, 8 * 784))).toBe(true);
  });

  it('refuses broken, hostile and mismatched files with typed errors', () => {
    const w = (name: string, bytes: Buffer) => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return p;
    };
    const good = idxFile([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i));
    expect(() => new IdxDataset(w('magic.idx', Buffer.from('hello world!')))).toThrow(expect.objectContaining({ code: 'EFORMAT' }));
    expect(() => new IdxDataset(w('float.idx', idxFile([2], new Uint8Array(8), 0x0d)))).toThrow(/element type/);
    expect(() => new IdxDataset(w('short.idx', good.subarray(0, good.length - 1)))).toThrow(expect.objectContaining({ code: 'ESHRUNK' }));
    expect(() => new IdxDataset(w('long.idx', Buffer.concat([good, Buffer.from([1])])))).toThrow(expect.objectContaining({ code: 'ECOUNT' }));
    expect(() => new IdxDataset(w('cut.gz', gzipSync(good).subarray(0, 20)))).toThrow(expect.objectContaining({ code: 'ESHRUNK' }));
    const corrupt = gzipSync(good);
    corrupt[12] ^= 0xff;
    expect(() => new IdxDataset(w('corrupt.gz', corrupt))).toThrow(expect.objectContaining({ code: expect.stringMatching(/EDECODE|ECOUNT|ESHRUNK/) }));
    // A tiny .gz whose header claims 4 GiB is refused before anything is allocated.
    const bomb = w('bomb.gz', gzipSync(idxFile([65536, 65536], new Uint8Array(16))));
    expect(() => new IdxDataset(bomb, undefined, { maxBytes: 2 ** 20 })).toThrow(expect.objectContaining({ code: 'ETOOLARGE' }));
    expect(() => new IdxDataset(w('trail.gz', Buffer.concat([gzipSync(good), Buffer.from('xx')])))).toThrow(expect.objectContaining({ code: 'ECOUNT' }));
    const labels4 = w('labels4.idx', idxFile([4], new Uint8Array(4)));
    expect(() => new IdxDataset(w('good.idx', good), labels4)).toThrow(expect.objectContaining({ code: 'ECOUNT' }));
    expect(() => new IdxDataset(join(dir, 'missing.idx'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => new IdxDataset(join(dir, 'good.idx'), undefined, { classes: ['a'] })).toThrow(/no label file/);
    const labels3 = w('labels3.idx', idxFile([3], Uint8Array.from([0, 1, 2])));
    expect(() => new IdxDataset(join(dir, 'good.idx'), labels3, { classes: ['a', 'b'] })).toThrow(/label 2 of item 2 has no name/);
    expect(() => new IdxDataset(join(dir, 'good.idx'), undefined, { cache: 'x' } as any)).toThrow(/unknown option 'cache'/);
    const ds = new IdxDataset(join(dir, 'good.idx'), labels3);
    expect(Array.from(ds.labels!)).toEqual([0, 1, 2]);
    expect(Array.from((ds.get(2) as { image: Uint8Array }).image)).toEqual([8, 9, 10, 11]);
  });
});

describe('IdxDataset packed', () => {
  it('packs images and labels; the packed file fills batch.labels and converts the grey images', async () => {
    const { pack, PackedDataset } = await import('../src/index.js');
    const ds = new IdxDataset(images, labels, { classes: FASHION_MNIST_CLASSES });
    const out = join(dir, 'fm.tlpack');
    await pack(ds, out);
    const packed = new PackedDataset(out, { image: { dtype: 'float32', scale: 1 / 255 } });
    expect(packed.classes).toEqual([...FASHION_MNIST_CLASSES]);
    expect(packed.labelField).toBe('label');
    expect(packed.fields[0]).toMatchObject({ name: 'image', dtype: 'float32', shape: [1, 28, 28] });
    const loader = new DataLoader(packed, { batchSize: 500 });
    for await (const batch of loader) {
      batch.indices.forEach((item, r) => expect(BigInt(batch.labels![r]!)).toBe(torchLabels[item]));
      const img = batch.fields.image!.data as Float32Array;
      expect(Math.round(img[300]! * 255)).toBe(torchImages[batch.indices[0]! * 784 + 300]);
    }
    loader.close();
  });
});
