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
import { WebDataset } from '../datasets/webdataset.js';
import { listFiles } from '../files.js';
import type { DType } from '../dataset.js';
import { orList } from '../validate.js';
import { fail } from './args.js';

export interface SourceOptions {
  /** The image pipeline for image sources (size is required for them). */
  image?: () => ImagePipelineOptions;
  length?: number;
}

const isImage = (p: string) => IMAGE_EXTENSIONS.includes(extname(p).toLowerCase());
const isTar = (p: string) => extname(p).toLowerCase() === '.tar';
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
function imageList(path: string, image: () => ImagePipelineOptions): ImageFilesDataset<DType, number[] | undefined> | undefined {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.length === 0) return undefined;
  const rows = lines.map((l) => /^(.*?)(?:\s+(-?\d+))?$/.exec(l)!);
  if (!rows.every((m) => isImage(m[1]!))) return undefined;
  const files = rows.map((m) => resolve(dirname(path), m[1]!));
  const labelled = rows.every((m) => m[2] !== undefined);
  return new ImageFilesDataset(files, { ...image(), ...(labelled ? { labels: rows.map((m) => Number(m[2])) } : {}) });
}

/**
 * One kind of source the command line recognises: `open` returns its dataset, or undefined when
 * the path is not of this kind. A new dataset kind is one more row here.
 */
interface SourceKind {
  /** For "not a ..." messages. */
  name: string;
  /** A file, a folder, or a glob (no such path on disk). */
  on: 'file' | 'folder' | 'glob';
  open(path: string, opts: Required<Pick<SourceOptions, 'image'>> & SourceOptions): unknown | Promise<unknown> | undefined;
}

// Tried in order; the first that recognises the path wins.
const SOURCE_KINDS: readonly SourceKind[] = [
  { name: 'WebDataset tar shards', on: 'glob', open: (path, o) => (isTar(path) ? new WebDataset(path, { image: o.image() }) : undefined) },
  { name: 'a shard glob', on: 'glob', open: (path) => new PackedDataset(path) },
  { name: 'a JS module', on: 'file', open: (path) => (isModule(path) ? moduleTarget(path) : undefined) },
  { name: 'a .npy array', on: 'file', open: (path) => (extname(path).toLowerCase() === '.npy' ? new NpyDataset(path) : undefined) },
  { name: 'a WebDataset tar shard', on: 'file', open: (path, o) => (isTar(path) ? new WebDataset(path, { image: o.image() }) : undefined) },
  { name: 'a packed file', on: 'file', open: (path) => (isPacked(path) ? new PackedDataset(path) : undefined) },
  { name: 'an image list', on: 'file', open: (path, o) => imageList(path, o.image) },
  { name: 'an image folder', on: 'folder', open: (path, o) => (hasSubfolders(path) ? new ImageFolderDataset(path, o.image()) : undefined) },
  { name: 'a folder of images', on: 'folder', open: (path, o) => flatImages(path, o.image) },
  { name: 'a folder of numeric text files', on: 'folder', open: (path, o) => textFolder(path, o.length) },
];

async function moduleTarget(path: string): Promise<unknown> {
  const mod = await import(pathToFileURL(path).href);
  const target = mod.default ?? mod.loader ?? mod.dataset;
  if (!target) fail(`${path} exports no default, loader or dataset`);
  return target;
}

const hasSubfolders = (path: string) => readdirSync(path, { withFileTypes: true }).some((e) => !e.name.startsWith('.') && e.isDirectory());

function folderFiles(path: string): string[] {
  const files = listFiles(path);
  if (files.length === 0) fail(`${path} holds no files`);
  return files;
}

function flatImages(path: string, image: () => ImagePipelineOptions): ImageFilesDataset<DType> | undefined {
  const files = folderFiles(path);
  return isImage(files[0]!) ? new ImageFilesDataset(files.filter(isImage), image()) : undefined;
}

function textFolder(path: string, length: number | undefined): TextTensorDataset {
  const files = folderFiles(path);
  return new TextTensorDataset(files, { length: length ?? readFileSync(files[0]!, 'utf8').replace(/[[\],]/g, ' ').trim().split(/\s+/).length });
}

export async function datasetFrom(path: string, opts: SourceOptions): Promise<unknown> {
  const full = resolve(path);
  const st = /[*?]/.test(full) ? undefined : statSync(full, { throwIfNoEntry: false });
  const on = /[*?]/.test(full) || (!st && /\{[^{}]*(,|\.\.)[^{}]*\}/.test(full)) ? 'glob' : st?.isFile() ? 'file' : st ? 'folder' : undefined;
  if (!on) fail(`no such file or folder: ${path}`);
  const options = { ...opts, image: opts.image ?? (() => fail('image sources need --size')) };
  const kinds = SOURCE_KINDS.filter((k) => k.on === on);
  for (const kind of kinds) {
    const dataset = await kind.open(full, options);
    if (dataset !== undefined) return dataset;
  }
  fail(`${path}: not ${orList(kinds.map((k) => k.name))}`);
}
