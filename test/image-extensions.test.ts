// The default image extensions are the formats the bundled libvips reads: BMP, PPM and PGM
// files (written by PIL) fail with EFORMAT, so they are left out of folders unless asked for.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_EXTENSIONS, ImageFilesDataset, ImageFolderDataset } from '../src/index.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tl-ext-'));
  mkdirSync(join(dir, 'cls'));
  execFileSync('/usr/bin/python3', ['-c', `
from PIL import Image
im = Image.new('RGB', (8, 6), (10, 200, 30))
for ext in ['bmp', 'ppm', 'png']:
    im.save('${dir}/cls/a.' + ext)
im.convert('L').save('${dir}/cls/a.pgm')
`]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('default image extensions', () => {
  it.each(['bmp', 'ppm', 'pgm'])('.%s: the bundled libvips cannot read it, so it is not a default extension', (ext) => {
    expect(IMAGE_EXTENSIONS).not.toContain(`.${ext}`);
    const ds = new ImageFilesDataset([join(dir, 'cls', `a.${ext}`)], { size: 4 });
    expect(() => ds.get(0)).toThrow(expect.objectContaining({ code: 'EFORMAT' }));
  });

  it('a folder with such files lists only what it can read, unless extensions asks for more', () => {
    const ds = new ImageFolderDataset(dir, { size: 4 });
    expect(ds.files.map((f) => f.slice(f.lastIndexOf('.')))).toEqual(['.png']);
    expect(Array.from(ds.get(0).slice(0, 3)).every((v) => Number.isFinite(v))).toBe(true);
    expect(new ImageFolderDataset(dir, { size: 4, extensions: ['.bmp', '.png'] }).files).toHaveLength(2);
  });
});
