// Type-checked (not run) by scripts/package-smoke.sh against the installed package: the ESM
// entry's declarations, including the addon's types from binding.d.ts, must resolve.
import { DataLoader, ImageFolderDataset, TextTensorDataset, native, nativeCounters } from 'tensorloader';

type IsAny<T> = 0 extends 1 & T ? true : false;
const countersTyped: IsAny<ReturnType<typeof nativeCounters>> = false;
const nativeTyped: IsAny<typeof native> = false;
const descriptors: number = nativeCounters().openDescriptors;

export async function firstBatch(): Promise<Float32Array | undefined> {
  const loader = new DataLoader(new ImageFolderDataset('images', { size: [4, 5] }), { batchSize: 2 });
  for await (const batch of loader) return batch.data;
  return undefined;
}
export const text = new TextTensorDataset('text', { length: 3 });
export const checks = [countersTyped, nativeTyped, descriptors, native.napiVersion];
