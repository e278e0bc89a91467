// Run as a child process by test/faults.test.ts: starts loaders, then calls process.exit(7)
// while batches are still in flight (decoding on the pool, or prefetched and not handed out,
// or get() calls pending). Prints one JSON line first: what was in flight at that moment.
import { DataLoader, ImageFilesDataset, NpyDataset, TextTensorDataset } from '../../src/index.js';

const [mode, json] = process.argv.slice(2) as [string, string];
const data = JSON.parse(json) as { text: string[]; images: string[]; npy: string };

function exitNow(inFlight: number, details: object): never {
  process.stdout.write(`${JSON.stringify({ mode, inFlight, ...details })}\n`);
  process.exit(7);
}

const images = new ImageFilesDataset(data.images, { size: [64, 64] });
const options = { batchSize: 8, prefetch: 4, threads: 2 };

switch (mode) {
  case 'body': {
    // From inside the loop body: the batches after this one are prefetched or decoding.
    const loader = new DataLoader(images, options);
    for await (const _ of loader) {
      const s = loader.stats();
      exitNow(s.slotsLeased - 1, s);
    }
    break;
  }
  case 'timer': {
    // From a timer, while the loop waits for its first batch.
    const loader = new DataLoader(images, options);
    setTimeout(() => {
      const s = loader.stats();
      exitNow(s.slotsLeased, s);
    }, 1);
    for await (const _ of loader) {
      // never gets far
    }
    break;
  }
  case 'held': {
    // One loader holding a retained batch, a second one mid-epoch.
    const first = new DataLoader(new TextTensorDataset(data.text, { length: 10 }), options);
    for await (const batch of first) {
      batch.retain();
      break;
    }
    const second = new DataLoader(images, options);
    for await (const _ of second) {
      exitNow(first.stats().slotsLeased + second.stats().slotsLeased - 1, { first: first.stats(), second: second.stats() });
    }
    break;
  }
  case 'npy': {
    const loader = new DataLoader(new NpyDataset(data.npy), { ...options, batchSize: 256 });
    for await (const _ of loader) {
      const s = loader.stats();
      exitNow(s.slotsLeased - 1, s);
    }
    break;
  }
  case 'js': {
    // A JS dataset whose async get() calls are still pending.
    let active = 0;
    const slow = {
      length: 100,
      async get(i: number) {
        active++;
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return Float32Array.of(i);
      },
    };
    const loader = new DataLoader(slow, { batchSize: 4, prefetch: 4 });
    for await (const _ of loader) exitNow(active, { active });
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.exit(1); // not reached: every mode exits from inside its loop
