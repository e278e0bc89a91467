// Bad input gives a typed error naming the item's index and path; the process lives on, and
// nothing leaks: no slot, no mapping, no descriptor.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, ItemError, TextTensorDataset, nativeCounters, openDescriptorCount } from '../src/index.js';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

let folder: TextFolder;
let files: string[];
const bad: Record<string, { at: number; code: string; offset?: number }> = {};

beforeAll(() => {
  folder = makeTextFolder(20, 10, 7);
  files = [...folder.files];
  const put = (name: string, code: string, content: string | null, offset?: number) => {
    const path = join(folder.dir, name);
    if (content !== null) writeFileSync(path, content);
    bad[name] = { at: files.length, code, offset };
    files.push(path);
  };
  put('missing.txt', 'ENOENT', null);
  put('empty.txt', 'EEMPTY', '');
  put('short.txt', 'ECOUNT', '[0.1 0.2 0.3]', 13);
  put('long.txt', 'ECOUNT', '[0 1 2 3 4 5 6 7 8 9 10 11]', 21); // offset of the 11th value
  put('garbage.txt', 'EPARSE', '[0.1 0.2 0x\u0000\u00ff 0.4 0.5 0.6 0.7 0.8 0.9 1.0]', 9);
  put('binary.txt', 'EPARSE', '\u0089PNG\r\n\u001a\n', 0);
  mkdirSync(join(folder.dir, 'adir'));
  put('adir', 'EISDIR', null);
});
afterAll(() => folder.cleanup());

describe('bad files', () => {
  it('get(i) throws an ItemError with code, index, path and byte offset', () => {
    const ds = new TextTensorDataset(files, { length: 10 });
    for (const [name, b] of Object.entries(bad)) {
      let err: unknown;
      try {
        ds.get(b.at);
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(ItemError);
      const ie = err as ItemError;
      expect(ie.code, name).toBe(b.code);
      expect(ie.index, name).toBe(b.at);
      expect(ie.path, name).toBe(join(folder.dir, name));
      expect(ie.message, name).toContain(`item ${b.at}`);
      expect(ie.message, name).toContain(name);
      if (b.offset !== undefined) expect(ie.offset, name).toBe(b.offset);
    }
    // Good items still read after all those failures.
    expect(Array.from(ds.get(3))).toEqual(Array.from(folder.values[3]!));
  });

  it('a loader rejects the batch holding a bad file, frees its slots and stays usable', async () => {
    const ds = new TextTensorDataset(files, { length: 10 });
    const fds = openDescriptorCount();
    const loader = new DataLoader(ds, { batchSize: 4, threads: 2 });
    let rows = 0;
    let err: unknown;
    try {
      for await (const batch of loader) rows += batch.size;
    } catch (e) {
      err = e;
    }
    // Items 0..19 are good; the batch holding item 20 (the missing file) fails the epoch.
    expect(rows).toBe(20);
    expect(err).toBeInstanceOf(ItemError);
    expect((err as ItemError).index).toBe(bad['missing.txt']!.at);
    expect(loader.stats().slotsLeased).toBe(0);
    // Loader over good items only keeps working after errors.
    const good = new TextTensorDataset(folder.files, { length: 10 });
    const ok = new DataLoader(good, { batchSize: 6 });
    let goodRows = 0;
    for await (const batch of ok) goodRows += batch.size;
    expect(goodRows).toBe(20);
    loader.close();
    ok.close();
    expect(openDescriptorCount()).toBe(fds);
    expect(nativeCounters().openDescriptors).toBe(0);
    expect(nativeCounters().liveMappings).toBe(0);
  });

  it('each bad file fails its own batch with its own code, index and path', async () => {
    for (const [name, b] of Object.entries(bad)) {
      const ds = new TextTensorDataset([files[0]!, files[b.at]!, files[1]!], { length: 10 });
      const loader = new DataLoader(ds, { batchSize: 3 });
      const err = await (async () => {
        try {
          for await (const _ of loader) {
            // one batch
          }
        } catch (e) {
          return e as ItemError;
        }
        return undefined;
      })();
      expect(err, name).toBeInstanceOf(ItemError);
      expect(err!.code, name).toBe(b.code);
      expect(err!.index, name).toBe(1);
      expect(err!.path, name).toBe(join(folder.dir, name));
      expect(loader.stats().slotsLeased, name).toBe(0);
      loader.close();
    }
  });

  it('names every failed item of a batch', async () => {
    const names = ['missing.txt', 'empty.txt', 'short.txt'];
    const ds = new TextTensorDataset([files[0]!, ...names.map((n) => files[bad[n]!.at]!)], { length: 10 });
    const loader = new DataLoader(ds, { batchSize: 4 });
    const err = await (async () => {
      try {
        for await (const _ of loader) {
          // one batch
        }
      } catch (e) {
        return e as ItemError & { failures?: ItemError[] };
      }
      return undefined;
    })();
    expect(err!.failures!.map((f) => f.index)).toEqual([1, 2, 3]);
    expect(err!.message).toContain('2 more failed items');
    loader.close();
  });

  it('rejects options that make no sense', () => {
    expect(() => new TextTensorDataset(folder.dir, { length: 0 })).toThrow(/length/);
    expect(() => new TextTensorDataset(join(folder.dir, 'nope'), { length: 3 })).toThrow(/no such file/);
    const ds = new TextTensorDataset(folder.files, { length: 10 });
    expect(() => ds.get(20)).toThrow(RangeError);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe("onError: 'skip'", () => {
  it('fills batches with further good items and lists what it skipped', async () => {
    // 20 good files with the 7 bad ones spread between them.
    const goodFiles = folder.files;
    const badNames = Object.keys(bad);
    const mixed: string[] = [];
    const goodAt: number[] = [];
    goodFiles.forEach((f, i) => {
      goodAt.push(mixed.length);
      mixed.push(f);
      if (i % 3 === 1 && badNames.length > 0) mixed.push(join(folder.dir, badNames.shift()!));
    });
    while (badNames.length > 0) mixed.push(join(folder.dir, badNames.shift()!));
    const ds = new TextTensorDataset(mixed, { length: 10 });
    for (const shuffle of [false, true]) {
      const loader = new DataLoader(ds, { batchSize: 4, onError: 'skip', shuffle, seed: 3, prefetch: 3 });
      const seen: number[] = [];
      const sizes: number[] = [];
      for await (const batch of loader) {
        sizes.push(batch.size);
        for (let r = 0; r < batch.size; r++) {
          const index = batch.indices[r]!;
          seen.push(index);
          // Rows are the right files' values after compaction and refill.
          expect(Array.from(batch.data.subarray(r * 10, r * 10 + 10))).toEqual(Array.from(folder.values[goodAt.indexOf(index)]!));
        }
      }
      expect([...seen].sort((a, b) => a - b)).toEqual([...goodAt].sort((a, b) => a - b));
      // Full batches, except at the very end where the items left were already in flight and
      // could not replace the skipped ones (at most `prefetch` batches).
      expect(sizes.slice(0, -3).every((n) => n === 4), sizes.join(",")).toBe(true);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
      expect(loader.errors.length).toBe(7);
      expect(loader.errorCount).toBe(7);
      expect(new Set(loader.errors.map((e) => e.code))).toEqual(new Set(['ENOENT', 'EEMPTY', 'ECOUNT', 'EPARSE', 'EISDIR']));
      expect(loader.stats().slotsLeased).toBe(0);
      loader.close();
    }
  });

  it('keeps a bounded list of errors; 1,000 bad files leak no descriptor, slot or mapping', async () => {
    const missing = Array.from({ length: 1000 }, (_, i) => join(folder.dir, `gone-${i}.txt`));
    const ds = new TextTensorDataset([...missing, ...folder.files], { length: 10 });
    const fds = openDescriptorCount();
    const loader = new DataLoader(ds, { batchSize: 16, onError: 'skip', maxErrors: 50, shuffle: true, seed: 1 });
    let rows = 0;
    for (let epoch = 0; epoch < 3; epoch++) {
      for await (const batch of loader) rows += batch.size;
    }
    expect(rows).toBe(60);
    expect(loader.errorCount).toBe(3000);
    expect(loader.errors.length).toBe(50);
    expect(loader.stats().slotsLeased).toBe(0);
    expect(nativeCounters().openDescriptors).toBe(0);
    expect(nativeCounters().liveMappings).toBe(0);
    expect(openDescriptorCount()).toBe(fds);
    loader.close();
  });
});
