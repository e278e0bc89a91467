import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listFiles, naturalCompare, shuffleInPlace, Xoshiro128 } from '../src/index.js';

describe('Xoshiro128', () => {
  it('is deterministic per (seed, stream) and matches the reference xoshiro128** output', () => {
    const a = new Xoshiro128(1234, 0);
    const b = new Xoshiro128(1234, 0);
    const seqA = Array.from({ length: 5 }, () => a.nextUint32());
    expect(seqA).toEqual(Array.from({ length: 5 }, () => b.nextUint32()));
    expect(Array.from({ length: 5 }, () => new Xoshiro128(1234, 1).nextUint32())[0]).not.toBe(seqA[0]);
    // Output of Blackman & Vigna's reference C code (xoshiro128starstar.c) from state {1,2,3,4}.
    const ref = Xoshiro128.fromState(1, 2, 3, 4);
    expect(Array.from({ length: 6 }, () => ref.nextUint32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('nextUint32 uses all 32 bits evenly; nextFloat covers [0, 1); below(n) has no modulo bias', () => {
    const rng = new Xoshiro128(99);
    const N = 200_000;
    const ones = new Array(32).fill(0);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < N; i++) {
      const x = rng.nextUint32();
      for (let b = 0; b < 32; b++) ones[b] += (x >>> b) & 1;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    // Each bit is a fair coin: sd of the share is 0.5/sqrt(N) = 0.0011, so 0.01 is 9 sd; a
    // stuck, missing (31-bit output) or biased bit is far outside it.
    for (const [b, c] of ones.entries()) expect(Math.abs(c / N - 0.5), `bit ${b}`).toBeLessThan(0.01);
    expect(max).toBeGreaterThan(2 ** 32 * (1 - 1e-4));
    expect(min).toBeLessThan(2 ** 32 * 1e-4);
    let sum = 0;
    for (let i = 0; i < N; i++) {
      const f = rng.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
    }
    expect(Math.abs(sum / N - 0.5)).toBeLessThan(0.005); // sd 0.00065
    // bound = 3 * 2^30: plain `x % bound` would give [0, 2^30) twice the weight (1/2 instead of 1/3).
    const bound = 3 * 2 ** 30;
    let low = 0;
    for (let i = 0; i < N; i++) {
      const v = rng.below(bound);
      if (!(Number.isInteger(v) && v >= 0 && v < bound)) throw new Error(`below(${bound}) gave ${v}`);
      if (v < 2 ** 30) low++;
    }
    expect(Math.abs(low / N - 1 / 3)).toBeLessThan(0.01); // sd 0.001
  });

  it('below(n) is uniform enough and in range', () => {
    const rng = new Xoshiro128(7);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.below(10)]++;
    expect(counts.reduce((a, c) => a + c, 0)).toBe(100_000); // nothing outside 0..9
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => rng.below(0)).toThrow(RangeError);
  });

  it('shuffleInPlace is a permutation', () => {
    const v = Uint32Array.from({ length: 1000 }, (_, i) => i);
    shuffleInPlace(v, new Xoshiro128(3));
    expect(Array.from(v).sort((x, y) => x - y)).toEqual([...Array(1000).keys()]);
    expect(Array.from(v.slice(0, 10))).not.toEqual([...Array(10).keys()]);
  });
});

describe('file listing', () => {
  it('orders names naturally', () => {
    const names = ['img_10.png', 'img_2.png', 'img_1.png', 'img_02.png', 'a.txt', 'img_100.png', 'B.txt'];
    expect([...names].sort(naturalCompare)).toEqual(['B.txt', 'a.txt', 'img_1.png', 'img_2.png', 'img_02.png', 'img_10.png', 'img_100.png']);
    expect(naturalCompare('x99999999999999999999', 'x100000000000000000000')).toBeLessThan(0);
  });

  it('lists regular files only, skipping hidden files and folders, following file symlinks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-list-'));
    try {
      for (const n of ['data_10.txt', 'data_9.txt', '.hidden']) writeFileSync(join(dir, n), '1');
      mkdirSync(join(dir, 'sub'));
      symlinkSync(join(dir, 'data_9.txt'), join(dir, 'link_1.txt'));
      symlinkSync(join(dir, 'nowhere'), join(dir, 'broken.txt'));
      expect(listFiles(dir).map((p) => p.slice(dir.length + 1))).toEqual(['data_9.txt', 'data_10.txt', 'link_1.txt']);
      expect(listFiles(dir, (n) => n.startsWith('data')).length).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
