// Builds dist/: the ES modules (tsconfig.build.json) and a CommonJS copy in dist/cjs
// (tsconfig.cjs.json), with declarations for both. Run by `npm run build:ts` and `prepare`.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dist = join(root, 'dist');
const cjs = join(dist, 'cjs');

function run(project) {
  const r = spawnSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`build-ts: tsc -p ${project} failed`);
    process.exit(r.status ?? 1);
  }
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

rmSync(dist, { recursive: true, force: true }); // no stale modules from renamed sources
run('tsconfig.build.json');
run('tsconfig.cjs.json');

// The CommonJS variants (src/**/x.cjs.ts, picked by moduleSuffixes) come out as x.cjs.js but
// are required as ./x.js: give them the names the compiled code asks for.
for (const file of walk(cjs)) {
  const m = /^(.*)\.cjs\.(js|js\.map|d\.ts)$/.exec(file);
  if (!m) continue;
  const target = `${m[1]}.${m[2]}`;
  let text = readFileSync(file, 'utf8');
  const base = m[1].slice(m[1].lastIndexOf('/') + 1);
  if (m[2] === 'js') text = text.replace(`//# sourceMappingURL=${base}.cjs.js.map`, `//# sourceMappingURL=${base}.js.map`);
  if (m[2] === 'js.map') text = text.replace(`"file":"${base}.cjs.js"`, `"file":"${base}.js"`);
  writeFileSync(target, text);
  rmSync(file);
}

// dist/ is ESM by the root package.json's "type"; dist/cjs overrides that.
writeFileSync(join(cjs, 'package.json'), '{\n  "type": "commonjs"\n}\n');

// The declarations import the addon's types from '../binding.js' (binding.d.ts at the package
// root); from dist/cjs that lands on dist/binding.d.ts, which forwards to the root one.
writeFileSync(
  join(dist, 'binding.d.ts'),
  "// Forwards the CommonJS declarations (dist/cjs/*.d.ts import '../binding.js') to the root binding.d.ts.\nexport * from '../binding.js';\n",
);

for (const entry of ['index.js', 'index.d.ts', 'cjs/index.js', 'cjs/index.d.ts', 'cjs/module-dir.js']) {
  if (!existsSync(join(dist, entry))) {
    console.error(`build-ts: dist/${entry} is missing`);
    process.exit(1);
  }
}
// The package's bin: npm links it (and `npx tensorloader` in a checkout runs it) as an
// executable, so it needs the shebang src/cli.ts starts with and the execute bits.
const cli = join(dist, 'cli.js');
if (!existsSync(cli) || !readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')) {
  console.error('build-ts: dist/cli.js is missing or does not start with #!/usr/bin/env node');
  process.exit(1);
}
chmodSync(cli, 0o755);
console.log('build-ts: dist/ (ES modules) and dist/cjs/ (CommonJS) built');
