// Paths of the reference fixtures (made by scripts/fixtures/make_image_fixtures.py with PIL and
// torchvision) and of the shared photographs they were made from.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const fixtures = join(import.meta.dirname, '..', 'fixtures', 'images');
// TL_PHOTOS points a checkout that is not beside ../shared (a git worktree elsewhere) at the photos.
export const photos = process.env.TL_PHOTOS ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'photos');
export const havePhotos = existsSync(join(photos, 'chelsea.png'));

export interface Manifest {
  images: Record<string, { source: 'photos' | 'files'; path: string; mode: string; size: [number, number]; transparency?: boolean }>;
  references: Record<string, Record<string, { file: string; shape: number[] }>>;
  imageFolder: { classes: string[]; samples: Array<[string, number]> };
}

export const manifest = JSON.parse(readFileSync(join(fixtures, 'manifest.json'), 'utf8')) as Manifest;

export function imagePath(name: string): string {
  const info = manifest.images[name]!;
  return info.source === 'photos' ? join(photos, info.path) : join(fixtures, 'files', info.path);
}

export function reference(name: string, pipeline: string): Uint8Array {
  return readFileSync(join(fixtures, 'reference', manifest.references[name]![pipeline]!.file));
}

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
