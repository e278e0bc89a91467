// Image classification with onnxruntime-node fed by tensorloader: a ResNet-18 exported by
// Debian's torch (seeded weights, nothing downloaded; scripts/export-onnx.py), an
// ImageFolderDataset decoding and normalising ImageNet-style into CHW float32, batches handed
// to session.run without a copy and kept until onnxruntime has read them (releaseAfter).
// Prints model-only vs end-to-end images/s; with --check, compares onnxruntime's outputs with
// torch's on the same input batch (exits 1 past 1e-4).
//
//   node --import tsx examples/onnx-inference.ts [--images <ImageFolder root>] [--count 256]
//        [--batch-size 32] [--check]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { DataLoader, ImageFolderDataset, toOrtFeeds } from '../src/index.js';
import { writeImageData } from './data.js';
import { readNpyFloat32, writeNpy } from './npy.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string' },
    count: { type: 'string', default: '256' },
    'batch-size': { type: 'string', default: '32' },
    inflight: { type: 'string', default: '2' },
    check: { type: 'boolean', default: false },
  },
});
const batchSize = Number(values['batch-size']);
const inflight = Number(values.inflight);
const work = mkdtempSync(join(tmpdir(), 'tl-onnx-'));
const script = join(import.meta.dirname, '..', 'scripts', 'export-onnx.py');

try {
  // Without --images: two classes of generated photos-sized PNGs.
  let root = values.images;
  if (!root) {
    root = join(work, 'images');
    const half = Math.ceil(Number(values.count) / 2);
    for (const c of ['class_a', 'class_b']) {
      mkdirSync(join(root, c), { recursive: true });
      writeImageData(join(root, c), half, 256, c === 'class_a' ? 1 : 2);
    }
  }
  // torchvision's ImageNet eval transform: Resize(256) + CenterCrop(224), ToTensor, Normalize.
  const dataset = new ImageFolderDataset(root, {
    size: 224,
    fit: 'cover',
    cropFraction: 224 / 256,
    dtype: 'float32',
    layout: 'CHW',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  });
  const loader = new DataLoader(dataset, { batchSize, prefetch: 2, slots: 2 + inflight + 1 });

  // The first batch is also the input torch runs for --check.
  let first: Float32Array | undefined;
  for await (const batch of loader) {
    first = batch.data.slice();
    break;
  }
  const modelPath = join(work, 'resnet18.onnx');
  const exportArgs = [script, '--model', 'resnet18', '--out', modelPath];
  if (values.check) {
    writeNpy(join(work, 'x.npy'), first!, [first!.length / (3 * 224 * 224), 3, 224, 224]);
    exportArgs.push('--input', join(work, 'x.npy'), '--output', join(work, 'torch.npy'));
  }
  execFileSync('/usr/bin/python3', exportArgs, { stdio: 'inherit' });
  const session = await ort.InferenceSession.create(modelPath, { graphOptimizationLevel: 'all' });
  console.log(`onnxruntime-node ${ort.env.versions.common}, ResNet-18 (seeded weights), ${dataset.length} images, batch ${batchSize}`);

  // Model only: the same batch, again and again.
  const fixed = new ort.Tensor('float32', first!, [first!.length / (3 * 224 * 224), 3, 224, 224]);
  await session.run({ input: fixed }); // warm-up
  let t0 = performance.now();
  let images = 0;
  while (images < dataset.length) {
    await session.run({ input: fixed });
    images += fixed.dims[0]!;
  }
  const modelOnly = images / ((performance.now() - t0) / 1000);

  // End to end: decode + resize + normalise on tensorloader's pool while the model runs.
  t0 = performance.now();
  images = 0;
  let checked = false;
  let worst = 0;
  const reference = values.check ? readNpyFloat32(join(work, 'torch.npy')) : undefined;
  const pending: Array<Promise<void>> = [];
  for await (const batch of loader) {
    const rows = batch.size;
    pending.push(
      batch.releaseAfter(session.run(toOrtFeeds(ort, batch, { input: 'data' }))).then((result) => {
        images += rows;
        if (reference && batch.number === 0) {
          const out = result.output!.data as Float32Array;
          for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - reference[i]!));
          checked = true;
        }
      }),
    );
    if (pending.length >= inflight) await pending.shift();
  }
  await Promise.all(pending);
  const endToEnd = images / ((performance.now() - t0) / 1000);
  loader.close();
  await session.release();
  console.log(`model only: ${modelOnly.toFixed(1)} images/s; end to end (ImageFolderDataset -> onnxruntime): ${endToEnd.toFixed(1)} images/s (${((endToEnd / modelOnly) * 100).toFixed(0)}% of the model's own speed)`);
  if (values.check) {
    console.log(`onnxruntime vs torch on the first batch: largest difference ${worst.toExponential(2)}`);
    if (!checked || !(worst <= 1e-4)) {
      console.error('onnxruntime and torch disagree past 1e-4 (or the batch was not checked)');
      process.exitCode = 1;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
