// Batches of an IterableDataset: items in stream order, or through a seeded shuffle buffer of
// `shuffleBuffer` items (fixed by (seed, epoch)); a resumed epoch skips the batches already
// handed out.
import type { Batch } from '../batch.js';
import type { IterableDataset } from '../js-dataset.js';
import { Xoshiro128 } from '../prng.js';
import { raced } from './abort.js';
import { Engine } from './engine.js';
import { jsBatch } from './js-batch.js';

type Entry = [sequence: number, item: unknown];

export class StreamEngine<T> extends Engine<T, IterableDataset> {
  async *batches(epoch: number, start: number, aborted: Promise<never> | undefined): AsyncGenerator<Batch<T>, void, undefined> {
    const { config } = this;
    const rng = new Xoshiro128(config.seed, epoch);
    const size = config.shuffle ? config.shuffleBuffer : 0;
    const buffer: Entry[] = [];
    let batch: Entry[] = [];
    let number = 0;
    function* push(entry: Entry): Generator<Batch<T>> {
      batch.push(entry);
      if (batch.length === config.batchSize) yield* flush();
    }
    function* flush(): Generator<Batch<T>> {
      const items = batch;
      batch = [];
      if (items.length === 0 || (config.dropLast && items.length < config.batchSize)) return;
      if (number++ < start) return; // resumed: these were handed out before
      yield jsBatch<T>(config, items.map((e) => e[1]), Uint32Array.from(items, (e) => e[0]), epoch, number - 1);
    }
    const ds = this.dataset;
    const iterator = (async function* () {
      yield* ds.source(epoch);
    })();
    let seq = 0;
    try {
      for (;;) {
        const next = await raced(iterator.next(), aborted);
        if (next.done) break;
        const entry: Entry = [seq++, next.value];
        if (size <= 1) {
          yield* push(entry);
        } else if (buffer.length < size) {
          buffer.push(entry);
        } else {
          const j = rng.below(size);
          const out = buffer[j]!;
          buffer[j] = entry;
          yield* push(out);
        }
      }
      while (buffer.length > 0) {
        const j = rng.below(buffer.length);
        const out = buffer[j]!;
        buffer[j] = buffer[buffer.length - 1]!;
        buffer.pop();
        yield* push(out);
      }
      yield* flush();
    } finally {
      await iterator.return?.(undefined);
    }
  }
}
