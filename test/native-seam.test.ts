// The addon's own contract, below the datasets: it validates image options itself (TypeError
// for a wrong type, RangeError for a value out of range), constructs the error classes handed
// to it at load (ItemError for an item, TensorLoaderError for a file or a refused call), and
// accepts any registered source in a loader.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ItemError, TensorLoaderError } from '../src/errors.js';
import { normaliseImageOptions } from '../src/datasets/image-options.js';
import { binding } from '../src/native.js';
import { NpyDataset } from '../src/datasets/npy-dataset.js';
import { pack } from '../src/pack/pack.js';
import { fixtures } from './helpers/images.js';

const base = normaliseImageOptions({ size: 8 });
const pngDir = join(fixtures, 'files');
const png = join(pngDir, readdirSync(pngDir).find((f) => f.endsWith('.png'))!);
const npyDir = join(import.meta.dirname, 'fixtures', 'npy');

describe('native image options', () => {
  it('accepts what normaliseImageOptions makes', () => {
    const source = new binding.NativeImageSource([png], base);
    expect(source.length).toBe(1);
    expect(source.fieldBytes).toEqual([3 * 8 * 8 * 4]);
  });

  const rangeCases: Array<[string, object]> = [
    ['height 0', { height: 0 }],
    ['width over 16384', { width: 16385 }],
    ['a fractional height', { height: 7.5 }],
    ['channels 2', { channels: 2 }],
    ['an unknown fit', { fit: 'stretch' }],
    ['an unknown kernel', { kernel: 'sinc' }],
    ['an unknown dtype', { dtype: 'int8' }],
    ['an unknown layout', { layout: 'WHC' }],
    ['cropFraction 0', { cropFraction: 0 }],
    ['hflip over 1', { hflip: 1.5 }],
    ['a negative seed', { seed: -1 }],
    ['maxPixels 0', { maxPixels: 0 }],
    ['std 0', { std: [0, 1, 1] }],
    ['mean of 2 values for 3 channels', { mean: [0, 0] }],
    ['background over 255', { background: [256, 0, 0] }],
    ['rrcScale lo > hi', { rrcScale: [0.9, 0.1] }],
    ['rrcRatio lo <= 0', { rrcRatio: [0, 1] }],
    ['NaN scale', { scale: Number.NaN }],
  ];
  it.each(rangeCases)('refuses %s with a RangeError', (_, bad) => {
    expect(() => new binding.NativeImageSource([png], { ...base, ...bad })).toThrow(RangeError);
  });

  const typeCases: Array<[string, object]> = [
    ['a string height', { height: '8' }],
    ['a numeric fit', { fit: 1 }],
    ['a string autorotate', { autorotate: 'yes' }],
    ['a number for mean', { mean: 0.5 }],
    ['a string in std', { std: ['1', 1, 1] }],
  ];
  it.each(typeCases)('refuses %s with a TypeError', (_, bad) => {
    expect(() => new binding.NativeImageSource([png], { ...base, ...bad })).toThrow(TypeError);
  });

  it('names the option and its range', () => {
    expect(() => new binding.NativeImageSource([png], { ...base, height: -3 })).toThrow(/height must be an integer in 1\.\.16384/);
  });
});

describe('native errors', () => {
  it('readInto throws an ItemError built by the addon', () => {
    const source = new binding.NativeImageSource([png, join(pngDir, 'no-such-file.png')], base);
    const out = new Float32Array(3 * 8 * 8);
    expect(source.readInto(0, out)).toBeUndefined();
    let caught: unknown;
    try {
      source.readInto(1, out);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ItemError);
    expect(caught).toMatchObject({ code: 'ENOENT', index: 1, path: join(pngDir, 'no-such-file.png') });
    expect(() => source.readInto(2, out)).toThrow(RangeError);
    expect(() => source.readInto(0, new Float32Array(3))).toThrow(TypeError);
  });

  it('a bad file is a TensorLoaderError with its path', () => {
    const path = join(npyDir, 'not_npy.npy');
    let caught: unknown;
    try {
      new binding.NativeNpySource(path);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TensorLoaderError);
    expect(caught).not.toBeInstanceOf(ItemError);
    expect(caught).toMatchObject({ code: 'EFORMAT', path });
  });

  it('a refused submit carries its code from the engine', async () => {
    const source = new binding.NativeNpySource(join(npyDir, 'f4_rows.npy'));
    let finished: (done: { slot: number; generation: number; failed: number }) => void = () => {};
    const first = new Promise<{ slot: number; generation: number; failed: number }>((resolve) => (finished = resolve));
    const loader = new binding.NativeLoader(source, { batchSize: 1, slots: 1, threads: 1 }, (slot, generation, failed) => finished({ slot, generation, failed }));
    try {
      const slot = loader.submit(new Uint32Array([0]));
      expect(slot).toBe(0);
      expect(() => loader.submit(new Uint32Array([0]))).toThrow(expect.objectContaining({ code: 'ENOSLOT' }));
      expect(() => loader.submit(new Uint32Array([0]))).toThrow(TensorLoaderError);
      const done = await first;
      expect(done).toMatchObject({ slot: 0, failed: 0 });
      expect(loader.failures(done.slot, done.generation)).toEqual([]);
      loader.release(done.slot, done.generation);
      expect(() => loader.submit(new Uint32Array([source.length]))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG' }));
    } finally {
      loader.close();
    }
  });

  it('a loader takes every registered source and names them when given something else', () => {
    expect(() => new binding.NativeLoader({} as never, { batchSize: 1, slots: 1 }, () => {})).toThrow(
      /NativeTextSource, NativeImageSource, NativeNpySource, NativeIdxSource, NativeTokenSource, NativePackedSource, NativeFieldsSource/,
    );
    const fields = new binding.NativeFieldsSource([new binding.NativeImageSource([png], base), new binding.NativeTextSource(['x'], 2)]);
    expect(fields.fieldBytes).toEqual([3 * 8 * 8 * 4, 8]);
    const loader = new binding.NativeLoader(fields, { batchSize: 1, slots: 1, threads: 1 }, () => {});
    loader.close();
  });

  it('each source class has the shared members and only its own; a packed source is configured once', async () => {
    const npyPath = join(npyDir, 'f4_rows.npy');
    const npy = new binding.NativeNpySource(npyPath);
    const rows = new NpyDataset(npyPath);
    expect(npy.length).toBe(rows.length);
    expect(npy.dtype).toBe('float32');
    expect(npy.shape[0]).toBe(rows.length);
    expect(typeof npy.readInto).toBe('function');
    for (const own of ['configure', 'shards', 'meta', 'offset', 'gzipped']) expect(own in npy).toBe(false);

    const dir = mkdtempSync(join(tmpdir(), 'tl-seam-'));
    try {
      const out = join(dir, 'rows.tlp');
      await pack(rows, out);
      const packed = new binding.NativePackedSource([out]);
      expect(packed.length).toBe(rows.length);
      expect(packed.shards).toEqual([expect.objectContaining({ path: out, firstRecord: 0, records: rows.length })]);
      expect(packed.fields[0]).toEqual(expect.objectContaining({ dtype: 'float32', encoding: 'raw', shape: npy.shape.slice(1) }));
      expect('shape' in packed).toBe(false);
      packed.configure([{ field: 0 }], 'never');
      expect(() => packed.configure([{ field: 0 }], 'never')).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG', message: expect.stringMatching(/runs once/) }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
