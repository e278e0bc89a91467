// The seed article's three pipelines, twice: written the tensorloader way, and the naive Node
// ways the article warns about (a descriptor leak, a cache that keeps growing) next to one that
// only makes garbage. Each is an audit target: a function running one epoch, returning items.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { DataLoader, ImageFilesDataset, PackedDataset, TextTensorDataset, pack, type EpochFn } from '../src/index.js';
import { listFiles } from '../src/files.js';

export interface Pipeline {
  name: string;
  /** What the seed says of it, or why it is here. */
  about: string;
  epoch: EpochFn;
  close?: () => void;
}

function parse(text: string): Float32Array {
  return Float32Array.from(text.replace(/[[\]]/g, ' ').trim().split(/\s+/), Number);
}

async function epochOf(loader: DataLoader<any>): Promise<number> {
  let n = 0;
  for await (const batch of loader) n += batch.size;
  return n;
}

/** Example 1 the tensorloader way: native parse, fixed arena, descriptors closed per item. */
export function example1(textDir: string): Pipeline {
  const loader = new DataLoader(new TextTensorDataset(textDir, { length: 10 }), { batchSize: 32, prefetch: 8 });
  return { name: 'Example 1, tensorloader', about: 'text files parsed natively into a fixed arena', epoch: () => epochOf(loader), close: () => loader.close() };
}

/** Example 2 the tensorloader way: decode + resize + float CHW natively into the arena. */
export function example2(imageDir: string): Pipeline {
  const loader = new DataLoader(new ImageFilesDataset(listFiles(imageDir), { size: [64, 64] }), { batchSize: 32, prefetch: 4 });
  return { name: 'Example 2, tensorloader', about: 'PNGs decoded and resized natively into a fixed arena', epoch: () => epochOf(loader), close: () => loader.close() };
}

/**
 * Example 3 the tensorloader way: the article preloads everything in __init__; here the
 * native loader reads every file once (copy: true) into one Float32Array, and epochs are
 * served from it by a JS dataset.
 */
export async function example3(textDir: string): Promise<Pipeline> {
  const ds = new TextTensorDataset(textDir, { length: 10 });
  const all = new Float32Array(ds.length * 10);
  const once = new DataLoader(ds, { batchSize: 256, copy: true });
  for await (const batch of once) {
    batch.indices.forEach((index, row) => all.set(batch.data.subarray(row * 10, row * 10 + 10), index * 10));
  }
  once.close();
  const memory = { length: ds.length, get: (i: number) => all.subarray(i * 10, i * 10 + 10) };
  const loader = new DataLoader(memory, { batchSize: 32 });
  return { name: 'Example 3, preloaded once', about: 'read once natively, then served from one Float32Array', epoch: () => epochOf(loader), close: () => loader.close() };
}

/**
 * Example 3 at any scale: Example 2's images resized once into a packed file (64x64 uint8 HWC
 * records), then memory-mapped and converted to float CHW on the way into each batch.
 */
export async function example3Packed(imageDir: string, out: string): Promise<Pipeline> {
  await pack(new ImageFilesDataset(listFiles(imageDir), { size: [64, 64], dtype: 'uint8', layout: 'HWC' }), out);
  const loader = new DataLoader(new PackedDataset(out, { image: { dtype: 'float32' } }), { batchSize: 32, shuffle: true, seed: 0, prefetch: 4 });
  return { name: 'Example 3, packed once', about: "Example 2's images packed once, then memory-mapped: float CHW per epoch", epoch: () => epochOf(loader), close: () => loader.close() };
}

/** The leak the seed's Example 1 is about: a descriptor opened per item and never closed. */
export function naiveDescriptorLeak(textDir: string, perEpoch = 50): Pipeline {
  const files = listFiles(textDir).slice(0, perEpoch);
  const leaked: number[] = [];
  const buf = Buffer.alloc(4096);
  return {
    name: 'naive: openSync, no close',
    about: 'fs.openSync per item, the descriptor never closed',
    epoch: () => {
      for (const f of files) {
        const fd = openSync(f, 'r');
        leaked.push(fd);
        parse(buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0)));
      }
      return files.length;
    },
    close: () => leaked.splice(0).forEach((fd) => closeSync(fd)),
  };
}

/** A cache that only ever grows: every decoded item is kept, keyed by epoch and index. */
export function naiveGrowingCache(textDir: string): Pipeline {
  const files = listFiles(textDir);
  const cache = new Map<string, Float32Array>();
  let epoch = 0;
  return {
    name: 'naive: growing cache',
    about: 'every parsed item kept in a Map that is never trimmed',
    epoch: () => {
      files.forEach((f, i) => cache.set(`${epoch}:${i}`, parse(readFileSync(f, 'utf8'))));
      epoch++;
      return files.length;
    },
    close: () => cache.clear(),
  };
}

/** Lots of garbage, nothing kept: memory rises within an epoch and falls back at GC. */
export function naiveGarbageOnly(textDir: string): Pipeline {
  const files = listFiles(textDir);
  return {
    name: 'naive: garbage only',
    about: 'readFileSync + split + new arrays per item, nothing kept',
    epoch: () => {
      let sum = 0;
      for (const f of files) sum += parse(readFileSync(f, 'utf8'))[0]!;
      return sum >= 0 ? files.length : 0;
    },
  };
}
