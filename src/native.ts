// Loads the addon: a prebuild for this platform first, then a local build. Everything else in
// src/ reaches native code through `binding` only.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Binding from '../binding.js';

export type { Binding };

function packageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'tensorloader') return dir;
      } catch {
        // an unreadable manifest is not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`tensorloader: cannot find the package root above ${start}`);
    dir = parent;
  }
}

/**
 * Where the addon is looked for, in order. TENSORLOADER_ADDON names an explicit file first
 * (used to run the test suite against a sanitizer build).
 */
export function candidatePaths(root: string): string[] {
  const platform = `${process.platform}-${process.arch}`;
  return [
    ...(process.env.TENSORLOADER_ADDON ? [process.env.TENSORLOADER_ADDON] : []),
    join(root, 'prebuilds', platform, 'tensorloader.node'),
    join(root, 'build', 'Release', 'tensorloader.node'),
  ];
}

function load(): typeof Binding {
  const root = packageRoot(dirname(fileURLToPath(import.meta.url)));
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const path of candidatePaths(root)) {
    if (!existsSync(path)) {
      tried.push(`${path}: not found`);
      continue;
    }
    try {
      return require(path) as typeof Binding;
    } catch (err) {
      tried.push(`${path}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(
    `tensorloader: the native addon could not be loaded for ${process.platform}-${process.arch} ` +
      `(Node ${process.versions.node}, N-API ${process.versions.napi}). Tried:\n  ${tried.join('\n  ')}\n` +
      `Build it from source with \`npm run build:native\` (needs cmake, a C++17 compiler and ` +
      `the @img/sharp-libvips-dev and @img/sharp-libvips-${process.platform}-${process.arch} packages).`,
  );
}

export const binding: typeof Binding = load();
