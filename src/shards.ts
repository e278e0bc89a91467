// Shard specs as users write them (WebDataset's): a path, a glob, a brace pattern
// (`train-{000000..000099}.tar`), a URL, or a list of those, turned into the list of shard
// locators they name, in order. This is the seam between where shards live and how they are
// read: datasets read shards by local path, and localShardPaths() is the one place a locator
// becomes one (a remote shard becomes a file in the local cache there).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import braces from 'braces';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { TensorLoaderError } from './errors.js';
import { naturalCompare } from './files.js';

export type ShardSource = string | readonly string[];

/** The most shards one spec may name: a mistyped range cannot make a list of millions. */
export const MAX_SHARDS = 1_000_000;

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** True for `http://`, `https://`, `s3://` and other URL locators (not local paths). */
export function isUrl(locator: string): boolean {
  return URL_SCHEME.test(locator);
}

/**
 * Every shard a spec names, in order: brace patterns expanded (zero-padded ranges kept padded),
 * local globs matched (naturally sorted; no match is an error), local paths made absolute,
 * URLs left as they are. Duplicates are an error: a shard read twice would repeat samples.
 */
export function expandShards(source: ShardSource): string[] {
  const specs = typeof source === 'string' ? [source] : [...source];
  if (specs.length === 0) throw new TensorLoaderError('ERR_INVALID_ARG', 'no shards given');
  const out: string[] = [];
  for (const spec of specs) {
    if (typeof spec !== 'string' || spec === '') throw new TensorLoaderError('ERR_INVALID_ARG', `a shard spec must be a non-empty string, got ${String(spec)}`);
    if (braceBound(spec) > MAX_SHARDS) throw new TensorLoaderError('ETOOLARGE', `${spec} names more than ${MAX_SHARDS} shards`);
    let expanded: string[];
    try {
      expanded = braces(spec, { expand: true, rangeLimit: MAX_SHARDS });
    } catch (e) {
      throw new TensorLoaderError('ERR_INVALID_ARG', `${spec}: ${(e as Error).message}`, { cause: e });
    }
    for (const one of expanded) {
      if (isUrl(one)) {
        out.push(one);
      } else if (isDynamicPattern(one)) {
        const found = globSync(one, { absolute: true, onlyFiles: true, expandDirectories: false }).sort(naturalCompare);
        // A real path that merely looks like a pattern (`run(1)/a.tar`) is taken as it is.
        if (found.length === 0 && existsSync(one)) found.push(resolve(one));
        if (found.length === 0) throw new TensorLoaderError('ENOENT', `no file matches ${one}`);
        out.push(...found);
      } else {
        out.push(resolve(one));
      }
      if (out.length > MAX_SHARDS) throw new TensorLoaderError('ETOOLARGE', `the shard specs name more than ${MAX_SHARDS} shards`);
    }
  }
  const seen = new Set<string>();
  for (const s of out) {
    if (seen.has(s)) throw new TensorLoaderError('ERR_INVALID_ARG', `shard ${s} is named twice`);
    seen.add(s);
  }
  return out;
}

// An upper bound of what a brace pattern expands to, found without expanding it (nested and
// repeated groups multiply, so `{0..999}{0..999}{0..999}` must be refused before it is built):
// each innermost group is a range or a comma list, counted and replaced, until none is left.
function braceBound(spec: string): number {
  let s = spec;
  let bound = 1;
  for (let m = /\{([^{}]*)\}/.exec(s); m; m = /\{([^{}]*)\}/.exec(s)) {
    const range = /^(-?\d+|[a-zA-Z])\.\.(-?\d+|[a-zA-Z])(?:\.\.(-?\d+))?$/.exec(m[1]!);
    let n = 1;
    if (range) {
      const at = (v: string): number => (/^-?\d+$/.test(v) ? Number(v) : v.charCodeAt(0));
      n = Math.floor(Math.abs(at(range[2]!) - at(range[1]!)) / Math.max(1, Math.abs(Number(range[3] ?? 1)))) + 1;
    } else if (m[1]!.includes(',')) {
      n = m[1]!.split(',').length;
    }
    bound *= n;
    if (bound > MAX_SHARDS) return bound;
    s = s.slice(0, m.index) + 'x' + s.slice(m.index + m[0].length);
  }
  return bound;
}

/**
 * Local paths of the shards, for readers that map them. Local shards must exist; URL shards
 * need the remote cache (see the README's "Many machines"), which hands back the path of the
 * cached copy.
 */
export function localShardPaths(locators: readonly string[]): string[] {
  return locators.map((l) => {
    if (isUrl(l)) {
      throw new TensorLoaderError('EREMOTE', `${l} is remote: open remote shards through the shard cache, not as a local dataset`);
    }
    if (!statSync(l, { throwIfNoEntry: false })) throw new TensorLoaderError('ENOENT', `${l}: no such shard`);
    return l;
  });
}
