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
    const timing = join(tmp, 'a-timing.svg');
    const r = run('audit', folder.dir, '--epochs', '5', '--json', json, '--svg', svg, '--timing-svg', timing);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no leak found/);
    expect(r.stdout).toMatch(/\ntime: .*µs per item: read [\d.]+, decode [\d.]+/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.leaks).toBe(false);
    expect(report.perEpoch.length).toBe(5);
    expect(report.timing.stageMs.read).toBeGreaterThan(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
    expect(readFileSync(timing, 'utf8')).toMatch(/^<svg[\s\S]*>decode</);
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

describe('tensorloader pack / verify', () => {
  const images = join(import.meta.dirname, 'fixtures', 'images', 'folder');

  it('packs an image folder (progress lines when not a TTY), verifies it, audits it, and exits 1 when a record is corrupt', async () => {
    const out = join(tmp, 'folder.tlpack');
    const r = run('pack', images, out, '--size', '16x12');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^pack folder\.tlpack: 100\.0% 10\/10 .*items\/s/m);
    expect(r.stdout).toMatch(/packed 10 records \(image: uint8\[16,12,3\], label: int32\[\]\) into 1 file/);
    const { PackedDataset } = await import('../src/index.js');
    expect(new PackedDataset(out).classes).toEqual(['B', 'a10', 'a9', 'cat']);
    const v = run('verify', out);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/ok: 10 records in 1 shard/);
    // Six epochs, four measured: two measured points of a 10-record set let one late allocation
    // on a loaded machine read as growth.
    const a = run('audit', out, '--epochs', '6');
    expect(a.status, a.stdout + a.stderr).toBe(0);
    expect(a.stdout).toMatch(/no leak found/);
    const buf = readFileSync(out);
    const { entryOf } = await import('./helpers/packed-bytes.js');
    buf[entryOf(buf, 6, 0).offset + 5]! ^= 0xff;
    writeFileSync(out, buf);
    const bad = run('verify', out, '--quiet');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/item 6 \(.*folder\.tlpack#6\): record 6 field 'image' fails its checksum/);
  });

  it('exits 1 (corrupt, not an input error) when the header or the index fails its checksum', async () => {
    const good = join(tmp, 'crc.tlpack');
    expect(run('pack', images, good, '--size', '8', '--quiet').status).toBe(0);
    const { layoutOf } = await import('./helpers/packed-bytes.js');
    const l = layoutOf(readFileSync(good));
    for (const [name, at] of [['meta', l.headerBytes - 2], ['index', l.indexOffset + 3]] as const) {
      const buf = readFileSync(good);
      buf[at]! ^= 0x10;
      const path = join(tmp, `crc-${name}.tlpack`);
      writeFileSync(path, buf);
      const r = run('verify', path, '--quiet');
      expect(r.status, `${name}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/header or index checksum mismatch/);
      expect(r.stderr).toContain(path);
    }
    writeFileSync(join(tmp, 'not-packed.tlpack'), 'GIF89a'.repeat(100));
    expect(run('verify', join(tmp, 'not-packed.tlpack')).status).toBe(2);
  });

  it('packs text files into shards (--shard-size, --quiet prints nothing) and an image list with labels, encoded', async () => {
    const out = join(tmp, 'text.tlpack');
    const r = run('pack', folder.dir, out, '--shard-size', '40', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
    const { PackedDataset } = await import('../src/index.js');
    const ds = new PackedDataset(join(tmp, 'text-*.tlpack'));
    expect(ds.shards.length).toBe(3);
    expect(Array.from(ds.get(99).values! as ArrayLike<number>)).toEqual(Array.from(folder.values[99]!));
    const list = join(tmp, 'list.txt');
    writeFileSync(list, `${join(images, 'cat', '1.png')} 7\n${join(images, 'B', 'x.png')} 3\n`);
    const enc = join(tmp, 'list.tlpack');
    const e = run('pack', list, enc, '--size', '8', '--encoded', '--quiet');
    expect(e.status, e.stderr).toBe(0);
    const packed = new PackedDataset(enc);
    expect(packed.storedFields.map((f) => f.encoding)).toEqual(['image', 'raw']);
    expect(Array.from({ length: 2 }, (_, i) => packed.get(i).label![0])).toEqual([7, 3]);
    expect(run('pack', images, join(tmp, 'x.tlpack')).stderr).toMatch(/need --size/);
    expect(run('pack', images).status).toBe(2);
    expect(run('verify', join(tmp, 'nope.tlpack')).status).toBe(2);
  });
});
