// Loads the addon: the prebuild for this platform first, then a local build (the order is
// candidatePaths in scripts/addon-platform.cjs). Everything else in src/ reaches native code
// through `binding` only.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Binding from '../binding.js';
import { AddonLoadError } from './addon-error.js';
import { ItemError, TensorLoaderError } from './errors.js';
import { moduleDir } from './module-dir.js';

export type { Binding };

/** The shared platform logic (scripts/addon-platform.cjs), which scripts/install.mjs uses too. */
export interface AddonPlatform {
  BUILD_COMMAND: string;
  hostTarget(): Target;
  platformKey(target: Target): string;
  libvipsPackage(key: string): string;
  libvipsDir(root: string, key: string): string | undefined;
  prebuildsIn(dir: string, napi?: number): { usable: string[]; skipped: string[] };
  prebuiltPlatforms(root: string): string[];
  candidatePaths(root: string, target: Target, override: string | undefined): string[];
  supportText(root: string): string;
}

/** A platform as npm's os/cpu/libc fields describe it. */
export interface Target {
  platform: string;
  arch: string;
  /** 'glibc' or 'musl' on Linux, '' elsewhere. */
  libc: string;
}

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
 * Loads the addon of the package at `root` for `target` (`override` first when set), or throws
 * one AddonLoadError:
 * EPLATFORM when the package holds no prebuild for the platform and there is no source build,
 * EADDON when an addon exists but does not load (the error lists each path tried and why).
 */
export function loadAddon(
  root: string,
  target: Target,
  requireAddon: (path: string) => unknown,
  override: string | undefined,
): typeof Binding {
  const platform = createRequire(join(root, 'package.json'))('./scripts/addon-platform.cjs') as AddonPlatform;
  const key = platform.platformKey(target);
  const where = `${key} (Node ${process.versions.node}, N-API ${process.versions.napi})`;
  const tried: string[] = [...platform.prebuildsIn(join(root, 'prebuilds', key)).skipped];
  let found = false;
  for (const path of platform.candidatePaths(root, target, override)) {
    if (!existsSync(path)) {
      tried.push(`${path}: not found`);
      continue;
    }
    found = true;
    try {
      return requireAddon(path) as typeof Binding;
    } catch (err) {
      tried.push(`${path}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const vips = platform.libvipsPackage(key);
  const hasVips = platform.libvipsDir(root, key) !== undefined;
  const support = platform.supportText(root);
  if (!found && !hasVips) {
    const message = `tensorloader does not support ${where} as installed: no prebuilt addon for it and no ${vips} to build one against. ${support}`;
    throw new AddonLoadError('EPLATFORM', message, key, platform.prebuiltPlatforms(root), tried);
  }
  const remedies = hasVips
    ? `build from source: \`${platform.BUILD_COMMAND}\``
    : `${vips} is not installed: install optional dependencies (\`npm install --include=optional\`), ` +
      `or, when node_modules was installed for another platform, reinstall for this one ` +
      `(\`npm install --os=${target.platform} --cpu=${target.arch}${target.libc ? ` --libc=${target.libc}` : ''}\`)`;
  const message = `tensorloader: the native addon could not be loaded for ${where}. Tried:\n  ${tried.join('\n  ')}\nRemedy: ${remedies}. ${support}`;
  throw new AddonLoadError('EADDON', message, key, platform.prebuiltPlatforms(root), tried);
}

function load(): typeof Binding {
  const root = packageRoot(moduleDir);
  const platform = createRequire(join(root, 'package.json'))('./scripts/addon-platform.cjs') as AddonPlatform;
  const requireAddon = createRequire(join(moduleDir, 'native.js'));
  return loadAddon(root, platform.hostTarget(), requireAddon, process.env.TENSORLOADER_ADDON || undefined);
}

export const binding: typeof Binding = load();
// The addon constructs these itself, so native errors reach callers already typed.
binding.setErrorClasses({ TensorLoaderError, ItemError });
