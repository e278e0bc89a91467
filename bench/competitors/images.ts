// One competitor of the image benchmarks, in its own process: one warm-up epoch, then the timed
// epochs; prints one JSON line.
//   node --import tsx bench/competitors/images.ts tensorloader|sharp|jimp example2|imagenet DIR EPOCHS
import { readFileSync } from 'node:fs';
import { DataLoader, ImageFilesDataset } from '../../src/index.js';
import { listFiles } from '../../src/files.js';
import { printResult, timeEpochs } from '../lib/timing.js';

const [impl, task, dir, epochsArg] = process.argv.slice(2);
const epochs = Number(epochsArg ?? 3);
const files = listFiles(dir!);
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

let runEpoch: () => Promise<number>;

// The per-image competitors: 32 images at a time, each turned into a float CHW array by
// `item`, then stacked into one batch array, as a JS pipeline would.
function perImageEpoch(item: (path: string) => Promise<Float32Array>): () => Promise<number> {
  return async () => {
    let n = 0;
    for (let start = 0; start < files.length; start += 32) {
      const rows = await Promise.all(files.slice(start, start + 32).map(item));
      const batch = new Float32Array(rows.length * rows[0]!.length);
      rows.forEach((r, i) => batch.set(r, i * r.length));
      n += rows.length;
    }
    return n;
  };
}
if (impl === 'tensorloader') {
  const ds =
    task === 'example2'
      ? new ImageFilesDataset(files, { size: [64, 64] })
      : new ImageFilesDataset(files, { size: [224, 224], fit: 'cover', cropFraction: 224 / 256, kernel: 'bilinear', mean: MEAN, std: STD });
  const loader = new DataLoader(ds, { batchSize: 32, prefetch: 4 });
  runEpoch = async () => {
    let n = 0;
    for await (const batch of loader) n += batch.size;
    return n;
  };
} else if (impl === 'sharp') {
  // The usual Node pipeline: sharp per image, then a JS loop to a float CHW tensor.
  const { default: sharp } = await import('sharp');
  const size = task === 'example2' ? 64 : 224;
  const item = async (path: string): Promise<Float32Array> => {
    const img = sharp(readFileSync(path)).removeAlpha();
    const raw =
      task === 'example2'
        ? await img.resize(size, size, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer()
        : await img.resize(256, 256, { fit: 'outside', kernel: 'linear' as never }).resize(size, size, { fit: 'cover' }).raw().toBuffer();
    const out = new Float32Array(3 * size * size);
    for (let p = 0; p < size * size; p++) {
      for (let c = 0; c < 3; c++) {
        const v = raw[p * 3 + c]! / 255;
        out[c * size * size + p] = task === 'example2' ? v : (v - MEAN[c]!) / STD[c]!;
      }
    }
    return out;
  };
  runEpoch = perImageEpoch(item);
} else if (impl === 'jimp') {
  // Pure JS decode and resize (jimp), then the same JS loop to a float CHW tensor.
  const { Jimp, ResizeStrategy } = await import('jimp');
  const size = 64;
  const item = async (path: string): Promise<Float32Array> => {
    const img = await Jimp.read(readFileSync(path));
    img.resize({ w: size, h: size, mode: ResizeStrategy.BICUBIC });
    const rgba = img.bitmap.data;
    const out = new Float32Array(3 * size * size);
    for (let p = 0; p < size * size; p++) {
      for (let c = 0; c < 3; c++) out[c * size * size + p] = rgba[p * 4 + c]! / 255;
    }
    return out;
  };
  runEpoch = perImageEpoch(item);
} else {
  throw new Error(`unknown impl ${impl}`);
}
printResult(impl!, await timeEpochs(epochs, runEpoch));
process.exit(0);
