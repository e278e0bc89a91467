// Checks a prebuilt addon the way a user's machine will see it: `node scripts/check-addon-elf.mjs
// <file> <platform key>` (linux-x64 or linux-arm64). It must be an ELF of that architecture,
// need no glibc symbol version above 2.28 and no libstdc++/libgcc_s (both are linked in),
// export only the two N-API entry points, and find libvips through a RUNPATH that reaches the
// installed @img/sharp-libvips-<key>. Uses binutils' objdump and readelf (either architecture).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const { libvipsPackage } = createRequire(import.meta.url)('./addon-platform.cjs');

const GLIBC_FLOOR = [2, 28];
const MACHINE = { 'linux-x64': 'Advanced Micro Devices X86-64', 'linux-arm64': 'AArch64' };
const EXPORTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

function tool(name, args) {
  const r = spawnSync(name, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) throw new Error(`${name} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** The problems of the addon at `file` built for `key`; empty when it passes. */
export function addonProblems(file, key) {
  const problems = [];
  const machine = /Machine:\s+(.*)/.exec(tool('readelf', ['-h', file]))?.[1]?.trim();
  if (machine !== MACHINE[key]) problems.push(`machine is ${machine}, not ${MACHINE[key]} (${key})`);

  const dynamic = tool('readelf', ['-d', file]);
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((m) => m[1]);
  for (const lib of needed) {
    if (/^lib(stdc\+\+|gcc_s)\.so/.test(lib)) problems.push(`needs ${lib} (libstdc++ and libgcc must be linked in)`);
  }
  const runpath = /\(RUNPATH\)\s+Library runpath: \[(.*)\]/.exec(dynamic)?.[1] ?? '';
  const installed = `$ORIGIN/../../../${libvipsPackage(key)}/lib`;
  if (!runpath.split(':').includes(installed)) problems.push(`RUNPATH (${runpath || 'none'}) lacks ${installed}`);

  const symbols = tool('objdump', ['-T', file]).split('\n');
  const versions = new Map();
  for (const line of symbols) {
    const m = /\((GLIBC|GLIBCXX|CXXABI|GCC)_([\d.]+)\)\s+(\S+)$/.exec(line);
    if (!m) continue;
    const [, lib, version, name] = m;
    if (lib !== 'GLIBC') {
      problems.push(`${name} needs ${lib}_${version}`);
      continue;
    }
    const parts = version.split('.').map(Number);
    const newer = parts[0] > GLIBC_FLOOR[0] || (parts[0] === GLIBC_FLOOR[0] && (parts[1] ?? 0) > GLIBC_FLOOR[1]);
    if (newer) problems.push(`${name} needs GLIBC_${version} (> ${GLIBC_FLOOR.join('.')})`);
    versions.set(version, (versions.get(version) ?? 0) + 1);
  }
  const exported = symbols
    .map((line) => /\sg\s+DF\s+\.text\s+\S+\s+(?:\S+\s+)?(\S+)$/.exec(line)?.[1])
    .filter((name) => name !== undefined)
    .sort();
  if (exported.join() !== EXPORTS.join()) problems.push(`exports ${exported.join(', ')}; expected ${EXPORTS.join(', ')}`);
  return { problems, needed, glibc: [...versions.keys()].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, key] = process.argv.slice(2);
  if (!file || !MACHINE[key]) {
    console.error('usage: node scripts/check-addon-elf.mjs <addon.node> linux-x64|linux-arm64');
    process.exit(2);
  }
  const { problems, needed, glibc } = addonProblems(file, key);
  if (problems.length > 0) {
    console.error(`check-addon-elf: ${file}:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`check-addon-elf: ${file}: ${key}, needs ${needed.join(' ')}; glibc versions ${glibc.join(' ')} (<= 2.28); exports ${EXPORTS.join(', ')}`);
}
