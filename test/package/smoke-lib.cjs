// The checks of the package smoke test (scripts/package-smoke.sh), run once through
// `import 'tensorloader'` (smoke.mjs) and once through `require('tensorloader')` (smoke.cjs) in a
// fresh project that installed the packed tarball with --ignore-scripts. Plain CommonJS with
// Node built-ins only: nothing of this repository is available there.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}
/** An 8-bit RGB PNG of one colour. */
function solidPng(width, height, [r, g, b]) {
  const stride = width * 3 + 1;
  const raw = Buffer.alloc(stride * height); // filter byte 0 (none) on every row
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set([r, g, b], y * stride + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * An 8-bit PNG of random pixels (`channels` 1-4: grey, grey + alpha, RGB, RGBA) whose rows use
 * every filter type in turn, as encoders pick them per row, so decoding it runs each unfilter
 * kernel of the platform (SSE4.1 on x64, NEON on arm64) at that many bytes per pixel.
 * Returns the file and its pixels.
 */
function filteredPng(width, height, channels, seed) {
  let state = seed >>> 0;
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    pixels[i] = state >>> 24;
  }
  const rowBytes = width * channels;
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const filter = y % 5;
    raw[y * (rowBytes + 1)] = filter;
    for (let i = 0; i < rowBytes; i++) {
      const at = (dy, dx) => (y + dy < 0 || i + dx < 0 ? 0 : pixels[(y + dy) * rowBytes + i + dx]);
      const a = at(0, -channels);
      const b = at(-1, 0);
      const c = at(-1, -channels);
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      raw[y * (rowBytes + 1) + 1 + i] = (pixels[y * rowBytes + i] - pred) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, [0, 4, 2, 6][channels - 1], 0, 0, 0], 8);
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return { png, pixels };
}

/** `pixels` of `channels` per pixel as RGBA, the way the loader's `channels: 4` gives them. */
function asRgba(pixels, channels) {
  const out = [];
  for (let p = 0; p < pixels.length; p += channels) {
    const v = pixels.subarray(p, p + channels);
    if (channels <= 2) out.push(v[0], v[0], v[0], channels === 2 ? v[1] : 255);
    else out.push(v[0], v[1], v[2], channels === 4 ? v[3] : 255);
  }
  return out;
}

/** Files mapped into this process whose base name matches `re`. */
function mapped(re) {
  const files = fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((line) => (line.includes('/') ? line.slice(line.indexOf('/')) : ''))
    .filter((file) => file !== '' && re.test(path.basename(file)));
  return [...new Set(files)];
}

async function run(tl, how, projectDir) {
  const { DataLoader, ImageFolderDataset, ImageFilesDataset, TextTensorDataset } = tl;
  for (const [name, value] of Object.entries({ DataLoader, ImageFolderDataset, ImageFilesDataset, TextTensorDataset })) {
    assert.equal(typeof value, 'function', `${how}: tensorloader.${name}`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `tl-smoke-${how}-`));
  try {
    // Images: two classes of solid-colour PNGs, resized 12x10 -> 4x5 (a solid colour stays
    // exact through Pillow-style resampling), as float CHW and as uint8.
    const colours = { amber: [200, 100, 50], teal: [0, 255, 17] };
    for (const [cls, rgb] of Object.entries(colours)) {
      fs.mkdirSync(path.join(work, 'images', cls), { recursive: true });
      for (const n of [1, 2]) fs.writeFileSync(path.join(work, 'images', cls, `${n}.png`), solidPng(12, 10, rgb));
    }
    const images = new ImageFolderDataset(path.join(work, 'images'), { size: [4, 5] });
    assert.deepEqual(images.classes, ['amber', 'teal']);
    assert.equal(images.length, 4);
    const loader = new DataLoader(images, { batchSize: 4, threads: 2 });
    let batches = 0;
    const scale = Math.fround(1 / 255);
    for await (const batch of loader) {
      batches++;
      assert.deepEqual(batch.shape, [4, 3, 4, 5]);
      assert.ok(batch.data instanceof Float32Array);
      assert.deepEqual(Array.from(batch.indices), [0, 1, 2, 3]);
      assert.deepEqual(Array.from(batch.labels), [0, 0, 1, 1]);
      for (let row = 0; row < 4; row++) {
        const rgb = row < 2 ? colours.amber : colours.teal;
        for (let c = 0; c < 3; c++) {
          // the addon computes float(pixel) * float(1/255) in float32
          const want = Math.fround(rgb[c] * scale);
          const plane = batch.data.subarray((row * 3 + c) * 20, (row * 3 + c + 1) * 20);
          for (const v of plane) assert.equal(v, want, `${how}: image row ${row} channel ${c}: ${v} != ${want}`);
        }
      }
    }
    assert.equal(batches, 1);
    loader.close();

    const raw = new ImageFilesDataset([path.join(work, 'images', 'teal', '1.png')], { size: [2, 2], dtype: 'uint8', layout: 'HWC' });
    const rawLoader = new DataLoader(raw, { batchSize: 1 });
    for await (const batch of rawLoader) {
      assert.ok(batch.data instanceof Uint8Array);
      assert.deepEqual(Array.from(batch.data), [0, 255, 17, 0, 255, 17, 0, 255, 17, 0, 255, 17]);
    }
    rawLoader.close();

    // Filtered PNGs of 1-4 bytes per pixel, decoded at their own size as RGBA (so alpha is
    // kept, not flattened): the pixels come back exactly (an odd width, so the kernels'
    // last-pixel paths run too).
    for (const channels of [1, 2, 3, 4]) {
      const { png, pixels } = filteredPng(37, 11, channels, 7 + channels);
      const file = path.join(work, `filtered-${channels}.png`);
      fs.writeFileSync(file, png);
      const filtered = new DataLoader(new ImageFilesDataset([file], { size: [11, 37], channels: 4, dtype: 'uint8', layout: 'HWC' }), {
        batchSize: 1,
      });
      for await (const batch of filtered) {
        assert.deepEqual(Array.from(batch.data), asRgba(pixels, channels), `${how}: filtered PNG, ${channels} bytes per pixel`);
      }
      filtered.close();
    }

    // Text: numbers as numpy prints them, parsed to float32.
    fs.mkdirSync(path.join(work, 'text'));
    fs.writeFileSync(path.join(work, 'text', 'a_1.txt'), '[0.5  1.25 -3.  ]');
    fs.writeFileSync(path.join(work, 'text', 'a_2.txt'), '[1e-3 7 0.1]');
    const text = new TextTensorDataset(path.join(work, 'text'), { length: 3 });
    const textLoader = new DataLoader(text, { batchSize: 2 });
    for await (const batch of textLoader) {
      assert.deepEqual(batch.shape, [2, 3]);
      assert.deepEqual(Array.from(batch.data), [0.5, 1.25, -3, Math.fround(1e-3), 7, Math.fround(0.1)]);
    }
    textLoader.close();

    // Packed: the image folder packed (raw uint8 pixels + labels), read back as float CHW.
    const packedPath = path.join(work, 'images.tlpack');
    const packed = await tl.pack(new ImageFolderDataset(path.join(work, 'images'), { size: [4, 5], dtype: 'uint8', layout: 'HWC' }), packedPath);
    assert.equal(packed.records, 4);
    const reread = new tl.PackedDataset(packedPath, { image: { dtype: 'float32' } });
    assert.deepEqual(reread.classes, ['amber', 'teal']);
    const packedLoader = new DataLoader(reread, { batchSize: 4 });
    for await (const batch of packedLoader) {
      assert.deepEqual(Array.from(batch.labels), [0, 0, 1, 1]);
      assert.equal(batch.fields.image.data[0], Math.fround(colours.amber[0] * scale), `${how}: packed pixel`);
    }
    packedLoader.close();

    // The addon came from the package's prebuild for this platform, and libvips from the
    // installed @img/sharp-libvips-<platform> (through the addon's RUNPATH; LD_LIBRARY_PATH is
    // unset). Under qemu-aarch64, /proc/self/maps shows the emulated process's mappings.
    const key = `${process.platform}-${process.arch}`;
    const pkgDir = path.join(projectDir, 'node_modules', 'tensorloader');
    const addons = mapped(/\.node$/);
    assert.deepEqual(addons, [path.join(pkgDir, 'prebuilds', key, 'tensorloader.napi9.node')]);
    assert.equal(tl.native.napiVersion, 9, `${how}: the addon was compiled for N-API ${tl.native.napiVersion}`);
    const vips = mapped(/^libvips-cpp\.so/);
    assert.equal(vips.length, 1, `${how}: libvips-cpp mapped: ${vips.join(', ')}`);
    assert.ok(
      vips[0].startsWith(path.join(projectDir, 'node_modules', '@img', `sharp-libvips-${key}`, 'lib') + path.sep),
      `${how}: libvips-cpp came from ${vips[0]}`,
    );
    console.log(`smoke (${how}, ${process.arch}): ok: images, uint8, filtered PNGs of 1-4 bytes per pixel, text, packed through DataLoader; addon ${addons[0]}; libvips ${vips[0]}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { run, solidPng };
