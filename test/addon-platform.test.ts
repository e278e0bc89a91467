// The platform lookup of scripts/addon-platform.cjs and src/native.ts's loadAddon, run against
// package roots made in a temporary directory, with the platform given instead of read from
// this process: what an install on macOS, Alpine or a box without libvips would see.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AddonLoadError } from '../src/addon-error.js';
import { loadAddon, type AddonPlatform, type Target } from '../src/native.js';

const repo = join(import.meta.dirname, '..');
const platform = createRequire(import.meta.url)('../scripts/addon-platform.cjs') as AddonPlatform & {
  buildablePlatforms(root: string): string[];
};
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const darwin: Target = { platform: 'darwin', arch: 'arm64', libc: '' };
const linux: Target = { platform: 'linux', arch: 'x64', libc: 'glibc' };
const roots: string[] = [];
const neverLoads = (path: string): never => {
  throw new Error(`loaded ${path}`);
};

/** A package root like the installed tarball's, holding prebuilds for `keys` (empty files). */
function packageRoot(keys: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'tl-platform-'));
  roots.push(root);
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(repo, 'scripts', 'addon-platform.cjs'), join(root, 'scripts', 'addon-platform.cjs'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'tensorloader', optionalDependencies: manifest.optionalDependencies }));
  for (const key of keys) {
    mkdirSync(join(root, 'prebuilds', key), { recursive: true });
    writeFileSync(join(root, 'prebuilds', key, 'tensorloader.napi9.node'), 'not an ELF file\n'.repeat(256));
  }
  return root;
}

function thrown(fn: () => unknown): AddonLoadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AddonLoadError);
    return err as AddonLoadError;
  }
  throw new Error('expected an AddonLoadError');
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('platform keys', () => {
  it('names platforms as @img/sharp-libvips-* does', () => {
    expect(platform.platformKey(linux)).toBe('linux-x64');
    expect(platform.platformKey({ platform: 'linux', arch: 'arm64', libc: 'glibc' })).toBe('linux-arm64');
    expect(platform.platformKey({ platform: 'linux', arch: 'x64', libc: 'musl' })).toBe('linuxmusl-x64');
    expect(platform.platformKey(darwin)).toBe('darwin-arm64');
    expect(platform.hostTarget()).toEqual({ platform: process.platform, arch: process.arch, libc: 'glibc' });
  });

  it('a source build targets the Linux platforms whose libvips package is an optional dependency', () => {
    expect(platform.buildablePlatforms(repo)).toEqual([
      'linux-arm', 'linux-arm64', 'linux-ppc64', 'linux-riscv64', 'linux-s390x', 'linux-x64', 'linuxmusl-arm64', 'linuxmusl-x64',
    ]);
    expect(manifest.dependencies['@img/sharp-libvips-linux-x64']).toBeUndefined();
  });
});

describe('candidate addons', () => {
  it('musl never gets the glibc prebuild, and the override comes first', () => {
    const root = packageRoot(['linux-x64']);
    const local = join(root, 'build', 'Release', 'tensorloader.node');
    expect(platform.candidatePaths(root, { platform: 'linux', arch: 'x64', libc: 'musl' }, undefined)).toEqual([local]);
    expect(platform.candidatePaths(root, linux, '/x/addon.node')).toEqual([
      '/x/addon.node',
      join(root, 'prebuilds', 'linux-x64', 'tensorloader.napi9.node'),
      local,
    ]);
  });

  it('a build/Release newer than the prebuild comes first', () => {
    const root = packageRoot(['linux-x64']);
    const local = join(root, 'build', 'Release', 'tensorloader.node');
    mkdirSync(join(root, 'build', 'Release'), { recursive: true });
    writeFileSync(local, '');
    const prebuild = join(root, 'prebuilds', 'linux-x64', 'tensorloader.napi9.node');
    utimesSync(prebuild, new Date(1_000_000), new Date(1_000_000));
    expect(platform.candidatePaths(root, linux, undefined)).toEqual([local, prebuild]);
  });

  it('skips prebuilds for a newer N-API than this Node has, and says why', () => {
    const root = packageRoot([]);
    const dir = join(root, 'prebuilds', 'linux-x64');
    mkdirSync(dir, { recursive: true });
    for (const n of [8, 9, 99]) writeFileSync(join(dir, `tensorloader.napi${n}.node`), '');
    writeFileSync(join(dir, 'README'), '');
    expect(platform.prebuildsIn(dir, 9)).toEqual({
      usable: [join(dir, 'tensorloader.napi9.node'), join(dir, 'tensorloader.napi8.node')],
      skipped: [`${join(dir, 'tensorloader.napi99.node')}: needs N-API 99, this Node has 9`],
    });
  });
});

describe('loadAddon on a platform without an addon', () => {
  it('darwin-arm64: one EPLATFORM error naming the platform, the prebuilds held and the source build', () => {
    const root = packageRoot(['linux-arm64', 'linux-x64']);
    const err = thrown(() => loadAddon(root, darwin, neverLoads, undefined));
    expect(err.name).toBe('AddonLoadError');
    expect(err.code).toBe('EPLATFORM');
    expect(err.platform).toBe('darwin-arm64');
    expect(err.prebuilt).toEqual(['linux-arm64', 'linux-x64']);
    expect(err.message).toContain('does not support darwin-arm64 ');
    expect(err.message).toContain('no @img/sharp-libvips-darwin-arm64');
    expect(err.message).toContain('prebuilt addons for linux-arm64, linux-x64 ');
    expect(err.message).toContain('TENSORLOADER_BUILD_FROM_SOURCE=1 npm rebuild tensorloader');
    expect(err.message).toContain('g++ >= 11');
    expect(err.tried).toEqual([`${join(root, 'build', 'Release', 'tensorloader.node')}: not found`]);
  });

  it('claims only the prebuilds the package holds', () => {
    const err = thrown(() => loadAddon(packageRoot(['linux-x64']), darwin, neverLoads, undefined));
    expect(err.prebuilt).toEqual(['linux-x64']);
    expect(err.message).toContain('prebuilt addons for linux-x64 ');
    expect(err.message).not.toContain('prebuilt addons for linux-arm64');
    const none = thrown(() => loadAddon(packageRoot([]), darwin, neverLoads, undefined));
    expect(none.message).toContain('prebuilt addons for no platform');
  });

  it('linuxmusl-x64 without its libvips package is unsupported as installed', () => {
    const err = thrown(() => loadAddon(packageRoot(['linux-x64']), { platform: 'linux', arch: 'x64', libc: 'musl' }, neverLoads, undefined));
    expect(err.code).toBe('EPLATFORM');
    expect(err.platform).toBe('linuxmusl-x64');
    expect(err.message).toContain('no @img/sharp-libvips-linuxmusl-x64');
  });

  it('linux-x64 with a prebuild that does not load: EADDON with each path tried and the remedies', () => {
    const root = packageRoot(['linux-x64']);
    const err = thrown(() => loadAddon(root, linux, createRequire(import.meta.url), undefined));
    expect(err.code).toBe('EADDON');
    expect(err.platform).toBe('linux-x64');
    expect(err.tried[0]).toMatch(new RegExp(`^${join(root, 'prebuilds', 'linux-x64', 'tensorloader.napi9.node')}: .*invalid ELF header`));
    expect(err.tried[1]).toBe(`${join(root, 'build', 'Release', 'tensorloader.node')}: not found`);
    // No @img/sharp-libvips-linux-x64 under this root: optional dependencies were left out.
    expect(err.message).toContain('@img/sharp-libvips-linux-x64 is not installed');
    expect(err.message).toContain('npm install --include=optional');
    expect(err.message).toContain('npm install --os=linux --cpu=x64 --libc=glibc');
  });
});
