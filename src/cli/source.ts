// What a path on the command line means as a dataset: a packed file (or shard glob), a .npy
// array, an image file list, a folder of images (one sub-folder per class, or flat), a folder
// of numeric text files, or a JS module exporting a dataset or loader.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImageFilesDataset, ImageFolderDataset, IMAGE_EXTENSIONS } from '../datasets/image-dataset.js';
import type { ImagePipelineOptions } from '../datasets/image-options.js';
import { NpyDataset } from '../datasets/npy-dataset.js';
import { PackedDataset } from '../datasets/packed-dataset.js';
import { TextTensorDataset } from '../datasets/text-tensor-dataset.js';
import { listFiles } from '../files.js';
import type { DType } from '../dataset.js';
import { fail } from './args.js';

export interface SourceOptions {
  /** The image pipeline for image sources (size is required for them). */
  image?: () => ImagePipelineOptions;
  length?: number;
}

const isImage = (p: string) => IMAGE_EXTENSIONS.includes(extname(p).toLowerCase());
const isModule = (p: string) => /\.(m?js|cjs|ts|mts|cts)$/.test(p);

/** True when the file starts with the packed magic. */
function isPacked(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(8);
    return readSync(fd, head, 0, 8, 0) === 8 && head.toString('latin1') === '\x89TLPACK\n';
  } finally {
    closeSync(fd);
  }
}

// "path" or "path label" per line (ImageNet's train.txt style); paths relative to the list.
function imageList(path: string, image: () => ImagePipelineOptions): ImageFilesDataset<DType> | undefined {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) return undefined;
  const rows = lines.map((l) => /^(.*?)(?:\s+(-?\d+))?$/.exec(l)!);
  if (!rows.every((m) => isImage(m[1]!))) return undefined;
  const files = rows.map((m) => resolve(dirname(path), m[1]!));
  const labelled = rows.every((m) => m[2] !== undefined);
  return new ImageFilesDataset(files, { ...image(), ...(labelled ? { labels: rows.map((m) => Number(m[2])) } : {}) });
}

export async function datasetFrom(path: string, opts: SourceOptions): Promise<unknown> {
  const full = resolve(path);
  if (/[*?]/.test(full)) return new PackedDataset(full);
  const st = statSync(full, { throwIfNoEntry: false });
  if (!st) fail(`no such file or folder: ${path}`);
  const image = opts.image ?? (() => fail('image sources need --size'));
  if (st.isFile()) {
    if (isModule(full)) {
      const mod = await import(pathToFileURL(full).href);
      const target = mod.default ?? mod.loader ?? mod.dataset;
      if (!target) fail(`${path} exports no default, loader or dataset`);
      return target;
    }
    if (extname(full).toLowerCase() === '.npy') return new NpyDataset(full);
    if (isPacked(full)) return new PackedDataset(full);
    const list = imageList(full, image);
    if (list) return list;
    fail(`${path}: not a packed file, a .npy array, an image list or a JS module`);
  }
  const entries = readdirSync(full, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  if (entries.some((e) => e.isDirectory())) return new ImageFolderDataset(full, image());
  const files = listFiles(full);
  if (files.length === 0) fail(`${path} holds no files`);
  if (isImage(files[0]!)) return new ImageFilesDataset(files.filter(isImage), image());
  const length = opts.length ?? readFileSync(files[0]!, 'utf8').replace(/[[\],]/g, ' ').trim().split(/\s+/).length;
  return new TextTensorDataset(files, { length });
}
