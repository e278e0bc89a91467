// Loads the addon: the prebuild for this platform first, then a local build (see
// candidatePaths). Everything else in src/ reaches native code through `binding` only.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Binding from '../binding.js';
import { moduleDir } from './module-dir.js';

export type { Binding };

/**
 * Prebuilds live in `prebuilds/<platform>-<arch>/tensorloader.napi<N>.node`, N being the N-API
 * version the addon was compiled for (`npm run prebuild`, scripts/prebuild.mjs). Keep in step
 * with scripts/install.mjs, which picks a prebuild the same way.
 */
export const PREBUILD_PATTERN = /^tensorloader\.napi(\d+)\.node$/;

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
 * The prebuilds in `dir` this Node can load (N-API version at most `napi`), newest N-API first,
 * and the ones it cannot, with the reason.
 */
export function prebuildsIn(
  dir: string,
  napi: number = Number(process.versions.napi),
): { usable: string[]; skipped: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { usable: [], skipped: [] };
  }
  const found = names
    .map((name) => ({ name, version: Number(PREBUILD_PATTERN.exec(name)?.[1] ?? NaN) }))
    .filter((p) => Number.isInteger(p.version))
    .sort((a, b) => b.version - a.version);
  return {
    usable: found.filter((p) => p.version <= napi).map((p) => join(dir, p.name)),
    skipped: found
      .filter((p) => p.version > napi)
      .map((p) => `${join(dir, p.name)}: needs N-API ${p.version}, this Node has ${napi}`),
  };
}

/**
 * Where the addon is looked for, in order: TENSORLOADER_ADDON when set (the test suite runs
 * against a sanitizer build that way), then the prebuild for this platform, then build/Release.
 * The one exception: a build/Release newer than the prebuild (a checkout rebuilt after
 * `npm run prebuild`, or `TENSORLOADER_BUILD_FROM_SOURCE=1 npm rebuild`) comes first, so a
 * fresh source build is never shadowed by an older binary.
 */
export function candidatePaths(root: string): string[] {
  const prebuilds = prebuildsIn(join(root, 'prebuilds', `${process.platform}-${process.arch}`)).usable;
  const local = join(root, 'build', 'Release', 'tensorloader.node');
  const localIsNewer =
    prebuilds.length > 0 && existsSync(local) && statSync(local).mtimeMs > statSync(prebuilds[0]!).mtimeMs;
  return [
    ...(process.env.TENSORLOADER_ADDON ? [process.env.TENSORLOADER_ADDON] : []),
    ...(localIsNewer ? [local, ...prebuilds] : [...prebuilds, local]),
  ];
}

function load(): typeof Binding {
  const root = packageRoot(moduleDir);
  const require = createRequire(join(moduleDir, 'native.js'));
  const tried: string[] = [...prebuildsIn(join(root, 'prebuilds', `${process.platform}-${process.arch}`)).skipped];
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
      `Prebuilds exist for linux-x64 (glibc) with N-API 9. Elsewhere, build from source: ` +
      `\`TENSORLOADER_BUILD_FROM_SOURCE=1 npm rebuild tensorloader\` (needs cmake >= 3.15, g++ >= 11 ` +
      `and zlib's headers; see the README's "Install" section; in a checkout: \`npm run build:native\`).`,
  );
}

export const binding: typeof Binding = load();
