// Listing a dataset folder: regular files only, in natural order (data_2 before data_10), so
// an index means the same file on every machine.
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { TensorLoaderError } from './errors.js';

const chunk = /(\d+)|(\D+)/g;

/** Compares names the way people number files: digit runs by value, the rest by code unit. */
export function naturalCompare(a: string, b: string): number {
  const ca = a.match(chunk) ?? [];
  const cb = b.match(chunk) ?? [];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      // Compare by value without Number overflow: strip leading zeros, then length, then text.
      const sx = x.replace(/^0+(?=\d)/, '');
      const sy = y.replace(/^0+(?=\d)/, '');
      if (sx.length !== sy.length) return sx.length - sy.length;
      if (sx !== sy) return sx < sy ? -1 : 1;
      if (x.length !== y.length) return x.length - y.length;  // "01" after "1"
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Regular, non-hidden files directly inside `folder`, naturally sorted, as absolute paths. */
export function listFiles(folder: string, filter?: (name: string) => boolean): string[] {
  const root = resolve(folder);
  const names = readdirSync(root, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .filter((e) => e.isFile() || (e.isSymbolicLink() && statSync(join(root, e.name), { throwIfNoEntry: false })?.isFile()))
    .map((e) => e.name)
    .filter((name) => (filter ? filter(name) : true));
  names.sort(naturalCompare);
  return names.map((name) => join(root, name));
}

/** A folder is listed; a list is taken as given (order kept), each path made absolute. */
export function resolveFiles(filesOrFolder: string | readonly string[], filter?: (name: string) => boolean): string[] {
  if (typeof filesOrFolder === 'string') {
    const st = statSync(filesOrFolder, { throwIfNoEntry: false });
    if (!st) throw new Error(`no such file or folder: ${filesOrFolder}`);
    if (!st.isDirectory()) return [resolve(filesOrFolder)];
    return listFiles(filesOrFolder, filter);
  }
  return filesOrFolder.map((p) => resolve(p));
}

/**
 * Expands `*` and `?` in the last path component (shards: `data-*.tlpack`), naturally sorted;
 * a path without them is returned as it is. No match is an error naming the pattern.
 */
export function expandGlob(pattern: string): string[] {
  const full = resolve(pattern);
  const base = basename(full);
  if (!/[*?]/.test(base)) return [full];
  if (/[*?]/.test(dirname(full))) throw new TensorLoaderError('ERR_INVALID_ARG', `only the file name may hold * or ?: ${pattern}`);
  const re = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const dir = dirname(full);
  const names = readdirSync(dir).filter((n) => re.test(n) && !n.startsWith('.'));
  if (names.length === 0) throw new TensorLoaderError('ENOENT', `no file matches ${pattern}`);
  names.sort(naturalCompare);
  return names.map((n) => join(dir, n));
}
