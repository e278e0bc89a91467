// `tensorloader audit` as a CI gate: exit 0 without a leak, 1 with one, 2 on bad input.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTextFolder, type TextFolder } from './helpers/text-files.js';

const cli = join(import.meta.dirname, '..', 'src', 'cli.ts');
let folder: TextFolder;
let tmp: string;
beforeAll(() => {
  folder = makeTextFolder(100, 10, 3);
  tmp = mkdtempSync(join(tmpdir(), 'tl-cli-'));
});
afterAll(() => {
  folder.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

// Under AddressSanitizer RSS grows by design (its quarantine); the CLI is told to ignore it.
const relax = process.env.TENSORLOADER_SANITIZER === '1' ? ['--threshold', 'rss=Infinity'] : [];

function run(...args: string[]) {
  return spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', cli, ...args, ...(args[0] === 'audit' && args.length > 1 ? relax : [])], {
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('tensorloader audit', () => {
  it('passes a folder of text files, infers the item length, writes JSON and SVG', () => {
    const json = join(tmp, 'a.json');
    const svg = join(tmp, 'a.svg');
    const r = run('audit', folder.dir, '--epochs', '5', '--json', json, '--svg', svg);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no leak found/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.leaks).toBe(false);
    expect(report.perEpoch.length).toBe(5);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
  });

  it('fails (exit 1) on a module whose epochs leak descriptors, naming the series', () => {
    const mod = join(tmp, 'leaky.mjs');
    writeFileSync(
      mod,
      `import { openSync } from 'node:fs';\nconst files = ${JSON.stringify(folder.files.slice(0, 20))};\n` +
        `export default () => { for (const f of files) openSync(f, 'r'); return files.length; };\n`,
    );
    const r = run('audit', mod, '--epochs', '5');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/LEAKS \(fds\)/);
  });

  it('takes thresholds per series', () => {
    const r = run('audit', folder.dir, '--epochs', '4', '--threshold', 'fds=2', '--threshold', 'heapUsed=1000000');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Open file descriptors .* 2 fds/);
    expect(run('audit', folder.dir, '--threshold', 'nonsense=1').status).toBe(2);
  });

  it('exits 2 on bad input', () => {
    expect(run('audit', join(tmp, 'nope')).status).toBe(2);
    expect(run('audit').status).toBe(2);
    expect(run('frobnicate').status).toBe(2);
  });
});
