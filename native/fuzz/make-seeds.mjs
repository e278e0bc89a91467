// Writes the seed corpora of the fuzz targets into native/fuzz/corpus/<target>/: small real
// files, copied from test/fixtures or encoded here with sharp (a devDependency) from fixed
// pseudo-random pixels. Run from the repository root: node native/fuzz/make-seeds.mjs
// The output is committed; rerunning it rewrites the same files (encoders permitting).
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const root = 'native/fuzz/corpus';
const dir = (t) => {
  mkdirSync(join(root, t), { recursive: true });
  return join(root, t);
};
const copy = (from, t, name) => copyFileSync(from, join(dir(t), name));

// --- text_parser: numpy-printed files, variants, and the edge cases the parser handles ------
for (const f of ['data_0.txt', 'data_1.txt', 'data_3.txt']) copy(`test/fixtures/text/numpy/${f}`, 'text_parser', f);
for (const f of ['commas.txt', 'float32.txt', 'sci.txt', 'twod.txt', 'wide_0.txt']) {
  copy(`test/fixtures/text/variants/${f}`, 'text_parser', f);
}
const text = {
  'special.txt': '[ nan  inf -inf +1.5 -0.  1e400 -1e-400  3.4028235e+38 -3.4028236e38 1e-45]\n',
  'summarised.txt': '[0. 1. 2. ... 7. 8. 9.]\n',
  'garbage.txt': '[0.5 0x1p3 abc\t+-1]\n',
  'crlf.txt': '1.0,2.0,3.0\r\n4.0,5.0,6.0\r\n',
};
for (const [name, body] of Object.entries(text)) writeFileSync(join(dir('text_parser'), name), body);

// --- npy_header: every numpy-written fixture (good and refused ones) -------------------------
for (const f of ['big_endian', 'complex', 'f4_rows', 'f4_v1', 'f8_v2', 'fortran', 'i4', 'i8', 'not_npy', 'truncated', 'u1_v3']) {
  copy(`test/fixtures/npy/${f}.npy`, 'npy_header', `${f}.npy`);
}

// --- images -------------------------------------------------------------------------------
let state = 12345;
const rand = () => {
  state = (state * 1103515245 + 12345) >>> 0;
  return state >>> 24;
};
const pixels = (w, h, c) => {
  const b = Buffer.alloc(w * h * c);
  for (let i = 0; i < b.length; ++i) b[i] = (i % 7) * 30 + (rand() & 15);  // compressible, not flat
  return b;
};
const img = (w, h, c) => sharp(pixels(w, h, c), { raw: { width: w, height: h, channels: c } });

// png_decoder: each colour type it decodes (grey, grey+alpha, RGB, RGBA), a multi-IDAT file,
// and the PNGs it hands to libvips (palette, palette + tRNS, 16-bit, interlaced).
const png = {
  'grey.png': await img(8, 8, 1).toColourspace('b-w').png({ adaptiveFiltering: true }).toBuffer(),
  'grey_alpha.png': await img(8, 8, 2).toColourspace('b-w').png({ adaptiveFiltering: true }).toBuffer(),
  'rgb.png': await img(8, 8, 3).png({ adaptiveFiltering: true }).toBuffer(),
  'rgba.png': await img(8, 8, 4).png({ adaptiveFiltering: true }).toBuffer(),
  'rgb_odd_size.png': await img(13, 5, 3).png({ adaptiveFiltering: false }).toBuffer(),
  'rgb_multi_idat.png': await img(64, 48, 3).png({ compressionLevel: 0 }).toBuffer(),
  'palette.png': await img(8, 8, 3).png({ palette: true, colours: 16 }).toBuffer(),
  'palette_trns.png': await img(8, 8, 4).png({ palette: true, colours: 16 }).toBuffer(),
  'rgb16.png': await img(8, 8, 3).toColourspace('rgb16').png().toBuffer(),
  'interlaced.png': await img(8, 8, 3).png({ progressive: true }).toBuffer(),
};
for (const [name, body] of Object.entries(png)) writeFileSync(join(dir('png_decoder'), name), body);
copy('test/fixtures/images/folder/cat/1.png', 'png_decoder', 'fixture_8x8.png');
// Inputs that are not PNGs describe one (see png_decoder_fuzz.cc, way 3): width, height,
// colour type, IDAT size, zlib level, then filtered rows.
const synth = (head, n) => Buffer.concat([Buffer.from(head), Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + rand()) & 0xff))]);
writeFileSync(join(dir('png_decoder'), 'synth_rgb_7x5.bin'), synth([6, 4, 1, 40, 6], 120));
writeFileSync(join(dir('png_decoder'), 'synth_rgba_16x3.bin'), synth([15, 2, 3, 16, 9], 200));
writeFileSync(join(dir('png_decoder'), 'synth_grey_cut.bin'), synth([9, 9, 4, 255, 1], 90));

// image_header: one small file per format libvips reads for us, and the JPEG variants.
const header = {
  'rgb.jpg': await img(16, 16, 3).jpeg({ quality: 50 }).toBuffer(),
  'grey.jpg': await img(16, 16, 1).toColourspace('b-w').jpeg({ quality: 50 }).toBuffer(),
  'progressive.jpg': await img(16, 16, 3).jpeg({ quality: 50, progressive: true }).toBuffer(),
  'cmyk.jpg': await img(16, 16, 3).toColourspace('cmyk').jpeg({ quality: 50 }).toBuffer(),
  'exif6.jpg': await img(16, 8, 3).jpeg({ quality: 50 }).withMetadata({ orientation: 6 }).toBuffer(),
  'rgba.webp': await img(16, 16, 4).webp({ quality: 50 }).toBuffer(),
  'lossless.webp': await img(8, 8, 3).webp({ lossless: true }).toBuffer(),
  'anim.gif': await img(8, 8, 3).gif().toBuffer(),
  'rgb.tif': await img(8, 8, 3).tiff({ compression: 'deflate' }).toBuffer(),
  'rgb.avif': await img(16, 16, 3).avif({ quality: 30, effort: 0 }).toBuffer(),
  'palette.png': png['palette_trns.png'],
  'rgb16.png': png['rgb16.png'],
  'interlaced.png': png['interlaced.png'],
  'shape.svg': Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="16"><rect width="12" height="8" fill="red"/></svg>\n',
  ),
};
for (const [name, body] of Object.entries(header)) writeFileSync(join(dir('image_header'), name), body);

// jpeg_decoder: the first byte picks the scale (bits 0-2: M - 1), fail_on (bits 3-4) and
// autorotate (bit 5); then the JPEG: baseline 4:2:0 and 4:4:4, grey, progressive, an EXIF
// orientation, CMYK (handed to libvips) and a truncated file.
const jpegSeeds = {
  'rgb_420_s6.bin': [5 | (3 << 3), await img(32, 24, 3).jpeg({ quality: 60 }).toBuffer()],
  'rgb_444_s3.bin': [2 | (1 << 3), await img(17, 9, 3).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer()],
  'grey_s1.bin': [0, await img(16, 16, 1).toColourspace('b-w').jpeg({ quality: 50 }).toBuffer()],
  'progressive_s8.bin': [7 | (3 << 3), await img(24, 16, 3).jpeg({ quality: 50, progressive: true }).toBuffer()],
  'exif6_s4.bin': [3 | 0x20, await img(16, 8, 3).jpeg({ quality: 50 }).withMetadata({ orientation: 6 }).toBuffer()],
  'cmyk_s8.bin': [7, await img(16, 16, 3).toColourspace('cmyk').jpeg({ quality: 50 }).toBuffer()],
};
const cut = await img(32, 32, 3).jpeg({ quality: 80 }).toBuffer();
jpegSeeds['truncated_s5.bin'] = [4 | (1 << 3), cut.subarray(0, Math.floor(cut.length * 0.7))];
for (const [name, [control, body]] of Object.entries(jpegSeeds)) {
  writeFileSync(join(dir('jpeg_decoder'), name), Buffer.concat([Buffer.from([control]), body]));
}
