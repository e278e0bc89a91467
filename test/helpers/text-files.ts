// Temporary folders of Example 1 text files for tests, cleaned up afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTextData, type TextData } from '../../examples/data.js';

export interface TextFolder extends TextData {
  cleanup(): void;
}

export function makeTextFolder(count: number, length: number, seed = 1): TextFolder {
  const dir = mkdtempSync(join(tmpdir(), 'tl-text-'));
  return { ...writeTextData(dir, count, length, seed), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function settleFinalizers(): Promise<void> {
  // ArrayBuffer finalizers run from a SetImmediate after the collection that freed them.
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await new Promise((r) => setImmediate(r));
  }
}
