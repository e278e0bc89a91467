// Batches of a native dataset: filled by the native pool into the arena's slots (through the
// BatchPump) and handed out as views over a slot, lent until the batch is released.
import { Batch, type BatchField } from '../batch.js';
import type { BatchArray, NativeDataset } from '../dataset.js';
import { BatchPump, type PumpedBatch } from './batch-pump.js';
import { Engine, type EngineConfig } from './engine.js';
import { BatchPlan } from './plan.js';
import type { PrefetchDepth } from './prefetch-depth.js';

export class NativeEngine<T> extends Engine<T, NativeDataset> {
  readonly pump: BatchPump;
  readonly #signal: AbortSignal | undefined;
  // Kept across epochs: what it learned of the batches' fill time still holds.
  readonly #depth: PrefetchDepth;
  #fullShape: readonly number[] | undefined;

  constructor(dataset: NativeDataset, config: EngineConfig, options: { slots: number; threads: number; slotTimeoutMs: number; memoryBudget?: number; stageTimes: boolean; signal: AbortSignal | undefined; depth: PrefetchDepth }) {
    super(dataset, config);
    const { depth, ...pumpOptions } = options;
    this.pump = new BatchPump(dataset, { batchSize: config.batchSize, ...pumpOptions });
    this.#signal = options.signal;
    this.#depth = depth;
  }

  /** Batches kept in flight now (see prefetch-depth.ts). */
  get depth(): number {
    return this.#depth.value;
  }

  async *batches(epoch: number, start: number, aborted: Promise<never> | undefined): AsyncGenerator<Batch<T>, void, undefined> {
    const { config } = this;
    const plan = new BatchPlan(config.batchSampler.batches(epoch), start);
    const minRows = config.dropLast ? config.batchSize : 1;
    let number = start;
    let current: Batch<T> | undefined;
    try {
      for await (const pumped of this.pump.run(plan, { epoch, depth: this.#depth, onError: config.onError, errors: config.errors, minRows, aborted, signal: this.#signal })) {
        current = this.#toBatch(pumped, epoch, number++);
        yield current;
        if (!current.retained) current.release();
        current = undefined;
      }
    } finally {
      if (current && !current.retained) current.release();
    }
  }

  #toBatch(pumped: PumpedBatch, epoch: number, number: number): Batch<T> {
    const { dataset } = this;
    const { copy } = this.config;
    const { rows, indices } = pumped;
    let views = this.pump.handOut(pumped);
    if (copy) views = views.map((v) => v.slice());
    let fields: Record<string, BatchField<BatchArray>> | undefined;
    if (dataset.fields) {
      fields = Object.fromEntries(dataset.fields.map((spec, f) => [spec.name, { data: views[f]!, shape: [rows, ...spec.shape] }]));
    }
    const all = dataset.labels;
    const labelField = fields?.[dataset.labelField ?? 'label'];
    const labels = all
      ? Int32Array.from(indices, (i) => all[i]!)
      : labelField?.data instanceof Int32Array && labelField.shape.length === 1
        ? labelField.data
        : labelField?.data instanceof Uint8Array && labelField.shape.length === 1 && dataset.labelField !== undefined
          ? Int32Array.from(labelField.data) // uint8 labels (IDX files), widened once per batch
          : undefined;
    const shape = this.#shape(rows);
    if (copy) {
      this.pump.releaseSlot(pumped.slot, pumped.generation);
      return new Batch<T>({ data: views[0] as unknown as T, fields, shape, indices, labels, epoch, number });
    }
    const lease = { owner: this.pump, slot: pumped.slot, generation: pumped.generation };
    return new Batch<T>({ data: views[0] as unknown as T, fields, shape, indices, labels, epoch, number, lease });
  }

  // [rows, ...item shape], frozen; the one of full batches made once.
  #shape(rows: number): readonly number[] {
    if (rows === this.config.batchSize) return (this.#fullShape ??= Object.freeze([rows, ...this.dataset.itemShape]));
    return Object.freeze([rows, ...this.dataset.itemShape]);
  }
}
