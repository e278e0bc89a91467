// Fashion-MNIST with TensorFlow.js (wasm backend), fed by tensorloader: IdxDataset reads
// Debian's gzipped IDX files, a DataLoader shuffles them, toTfDataset hands batches to
// model.fitDataset with prefetch. Prints data-wait vs compute per step, the loader's own
// figures (formatStats: where its pool's time went, whether it waited on tfjs), memory per
// epoch (the process's own memory, tensors alive), and the test accuracy; exits 1 below
// --min-accuracy.
//
//   node --import tsx examples/fashion-mnist-tfjs.ts [--epochs 12] [--train 60000] [--test 10000]
//        [--min-accuracy 0.87] [--data /usr/share/datasets/fashion-mnist]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DataLoader, FASHION_MNIST_CLASSES, formatStats, IdxDataset, memorySnapshot, SubsetRandomSampler, SubsetSampler, toTensor, toTfDataset, type Batch } from '../src/index.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    epochs: { type: 'string', default: '12' },
    train: { type: 'string', default: '60000' },
    test: { type: 'string', default: '10000' },
    'batch-size': { type: 'string', default: '128' },
    'min-accuracy': { type: 'string', default: '0.87' },
  },
});
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const minAccuracy = Number(values['min-accuracy']);

await tf.setBackend('wasm');
await tf.ready();

const train = new IdxDataset(join(values.data!, 'train-images-idx3-ubyte.gz'), join(values.data!, 'train-labels-idx1-ubyte.gz'), { classes: FASHION_MNIST_CLASSES });
const test = new IdxDataset(join(values.data!, 't10k-images-idx3-ubyte.gz'), join(values.data!, 't10k-labels-idx1-ubyte.gz'), { classes: FASHION_MNIST_CLASSES });
const trainCount = Math.min(Number(values.train), train.length);
const testCount = Math.min(Number(values.test), test.length);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// uint8 [n, 28, 28] -> float32 [n, 784] in [0, 1]: the tensor is made (and the batch released)
// before tfjs asks for the next batch.
const pixels = (batch: Batch<any>) => tf.tidy(() => toTensor(tf, batch, { field: 'image', dtype: 'float32' }).reshape([batch.size, 784]).div(255));

const loader = new DataLoader(train, { batchSize, sampler: new SubsetRandomSampler(range(trainCount), { seed: 1 }), prefetch: 4 });
const dataset = toTfDataset(tf, loader, { xs: pixels, ys: 'labels', oneHot: 10 }).prefetch(4);

// The MLP the Fashion-MNIST README lists at 88.3% (256-128-100).
const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }),
    tf.layers.dense({ units: 128, activation: 'relu' }),
    tf.layers.dense({ units: 100, activation: 'relu' }),
    tf.layers.dense({ units: 10, activation: 'softmax' }),
  ],
});
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });

// The step's wait is timed here, around fitDataset's steps: the loader's own dataWaitMs is how
// long tfjs's prefetch queue waited on the loader, one queue removed from the training step.
let stepEnd = performance.now();
let stepStart = 0;
let wait = 0;
let compute = 0;
let steps = 0;
const tensorsPerEpoch: number[] = [];
const anonPerEpoch: number[] = [];
const mib = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);
console.log(`tfjs ${tf.version.tfjs} on ${tf.getBackend()}; ${trainCount} training and ${testCount} test items, batch ${batchSize}, ${epochs} epochs`);
await model.fitDataset(dataset, {
  epochs,
  verbose: 0,
  callbacks: {
    onBatchBegin: async () => {
      stepStart = performance.now();
      wait += stepStart - stepEnd;
    },
    onBatchEnd: async () => {
      stepEnd = performance.now();
      compute += stepEnd - stepStart;
      steps++;
    },
    onEpochEnd: async (epoch, logs) => {
      const m = memorySnapshot();
      tensorsPerEpoch.push(tf.memory().numTensors);
      anonPerEpoch.push(m.rssAnon ?? m.rss);
      console.log(
        `epoch ${epoch + 1}/${epochs}: loss ${logs!.loss!.toFixed(4)}; per step ${(wait / steps).toFixed(2)} ms data wait, ${(compute / steps).toFixed(2)} ms compute; ` +
          `anonymous RSS ${mib(m.rssAnon)}, mapped-file RSS ${mib(m.rssFile)}, tensors ${tf.memory().numTensors}, loader slots leased ${loader.stats().slotsLeased}`,
      );
      console.log(`  loader: ${formatStats(loader.stats())}`);
      loader.resetStats();
      wait = compute = steps = 0;
      stepEnd = performance.now();
    },
  },
});
loader.close();

// Test accuracy, batch by batch.
const testLoader = new DataLoader(test, { batchSize: 1000, sampler: new SubsetSampler(range(testCount)) });
let correct = 0;
const confusion = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
for await (const batch of testLoader) {
  const predicted = tf.tidy(() => (model.predict(pixels(batch)) as tf.Tensor).argMax(1).dataSync());
  batch.labels!.forEach((label, r) => {
    confusion[label]![predicted[r]!]!++;
    if (predicted[r] === label) correct++;
  });
}
testLoader.close();
const accuracy = correct / testCount;
console.log(`test accuracy ${(accuracy * 100).toFixed(2)}% (${correct}/${testCount})`);
for (let c = 0; c < 10; c++) console.log(`  ${FASHION_MNIST_CLASSES[c]!.padEnd(12)} ${((confusion[c]![c]! / confusion[c]!.reduce((a, b) => a + b, 0)) * 100).toFixed(1)}%`);
const tensorGrowth = tensorsPerEpoch[tensorsPerEpoch.length - 1]! - tensorsPerEpoch[0]!;
console.log(`tensors alive after each epoch: ${tensorsPerEpoch.join(', ')}; anonymous RSS: ${anonPerEpoch.map(mib).join(', ')}`);
model.dispose();
if (tensorGrowth !== 0) {
  console.error(`tensors grew by ${tensorGrowth} over the epochs: a tensor leak`);
  process.exit(1);
}
if (!(accuracy >= minAccuracy)) {
  console.error(`accuracy ${accuracy} is below --min-accuracy ${minAccuracy}`);
  process.exit(1);
}
