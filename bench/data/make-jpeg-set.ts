// Writes an ImageNet-like set: `count` JPEGs of about 500x375 (or 375x500), each a seeded
// random crop of one of the photographs, scaled and saved at quality 90. Runs in its own
// process because it uses sharp (which shares, and reconfigures, the process's libvips).
//   node --import tsx bench/data/make-jpeg-set.ts PHOTOS_DIR OUT_DIR COUNT
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Xoshiro128 } from '../../src/prng.js';

const [photos, out, countArg] = process.argv.slice(2);
const count = Number(countArg);
mkdirSync(out!, { recursive: true });
const sources = readdirSync(photos!)
  .filter((n) => /\.(png|jpe?g)$/i.test(n) && n !== 'truncated.jpg')
  .sort()
  .map((n) => join(photos!, n));
const metas = await Promise.all(sources.map((s) => sharp(s).metadata()));
const rng = new Xoshiro128(1234);
for (let i = 0; i < count; i++) {
  const k = rng.below(sources.length);
  const { width = 1, height = 1 } = metas[k]!;
  const landscape = rng.nextFloat() < 0.75;
  const [w, h] = landscape ? [500, 375] : [375, 500];
  // A crop of 50-100% of the photo with the target's aspect ratio, then scaled to w x h.
  const frac = 0.5 + 0.5 * rng.nextFloat();
  let cw = Math.max(8, Math.floor(width * frac));
  let ch = Math.floor((cw * h) / w);
  if (ch > height) {
    ch = height;
    cw = Math.floor((ch * w) / h);
  }
  const left = rng.below(width - cw + 1);
  const top = rng.below(height - ch + 1);
  await sharp(sources[k]!)
    .extract({ left, top, width: cw, height: ch })
    .resize(w, h, { fit: 'fill' })
    .toColourspace('srgb')
    .removeAlpha()
    .jpeg({ quality: 90 })
    .toFile(join(out!, `img_${i}.jpg`));
}
console.log(`wrote ${count} JPEGs to ${out}`);
