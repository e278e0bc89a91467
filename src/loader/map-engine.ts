// Batches of a map-style JS dataset (`length` + `get(i)`): up to `prefetch` batches of get()
// calls in flight, handed out in order; with onError 'skip', failed items are replaced from the
// back of the epoch's plan, as the native engine does.
import type { Batch } from '../batch.js';
import { getError } from '../errors.js';
import { batchError } from '../failures.js';
import type { MapDataset } from '../js-dataset.js';
import { raced } from './abort.js';
import { Engine } from './engine.js';
import { jsBatch } from './js-batch.js';
import { BatchPlan } from './plan.js';

type Got = { ok: true; value: unknown } | { ok: false; error: unknown };

export class MapEngine<T> extends Engine<T, MapDataset> {
  async *batches(epoch: number, start: number, aborted: Promise<never> | undefined): AsyncGenerator<Batch<T>, void, undefined> {
    const { config } = this;
    const plan = new BatchPlan(config.batchSampler.batches(epoch), start);
    const inflight: Array<{ indices: Uint32Array; items: Promise<Got[]> }> = [];
    let number = start;
    for (;;) {
      while (!plan.done && inflight.length < config.prefetch) {
        const indices = plan.take();
        inflight.push({ indices, items: this.#fetch(indices) });
      }
      const job = inflight.shift();
      if (!job) return;
      let got = await raced(job.items, aborted);
      let indices = Array.from(job.indices);
      for (;;) {
        const bad = got.flatMap((g, p) => (g.ok ? [] : [getError(indices[p]!, g.error)]));
        if (bad.length === 0) break;
        if (config.onError === 'throw') throw batchError(bad);
        for (const e of bad) config.errors.add(e);
        const good = got.map((g, p) => [g, indices[p]!] as const).filter(([g]) => g.ok);
        const extra = plan.takeFromBack(config.batchSize - good.length);
        const more = extra.length ? await this.#fetch(extra) : [];
        got = [...good.map(([g]) => g), ...more];
        indices = [...good.map(([, i]) => i), ...extra];
      }
      if (got.length === 0 || (config.dropLast && got.length < config.batchSize)) continue;
      const values = got.map((g) => (g as { value: unknown }).value);
      yield jsBatch<T>(config, values, Uint32Array.from(indices), epoch, number++);
    }
  }

  #fetch(indices: Uint32Array): Promise<Got[]> {
    return Promise.all(
      Array.from(indices, (i) =>
        Promise.resolve()
          .then(() => this.dataset.get(i))
          .then(
            (value): Got => ({ ok: true, value }),
            (error): Got => ({ ok: false, error }),
          ),
      ),
    );
  }
}
