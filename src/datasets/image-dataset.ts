// Image datasets: files decoded, resized and normalised natively straight into batch slots.
import { readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { NativeImageSource } from '../../binding.js';
import { nativeSource, readItem, type BatchArray, type BatchTypes, type DType, type NativeDataset, type NoFields } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { storedSchema, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';
import { checkImageOptionsApply, IMAGE_OPTION_KEYS, itemShapeOf, normaliseImageOptions, pipelineOf, type ImagePipelineOptions, type NativeImageOptions } from './image-options.js';
import { knownOptions } from '../validate.js';

/** torchvision's IMG_EXTENSIONS plus what libvips also reads here. */
// Only what the bundled libvips (sharp's build) reads: it has no BMP or PPM/PGM loader, so
// such files stay out of folders by default instead of failing one by one with EFORMAT
// (test/image-extensions.test.ts checks both).
export const IMAGE_EXTENSIONS: readonly string[] = Object.freeze([
  '.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp', '.gif', '.avif', '.heic', '.heif',
]);

/** The batch array of an image pipeline of dtype D (float32 by default). */
export type ArrayFor<D extends DType | undefined> = D extends 'uint8' ? Uint8Array : D extends 'float16' ? Uint16Array : Float32Array;

abstract class ImageDatasetBase<T extends BatchArray, L extends Int32Array | undefined> implements NativeDataset<T, NoFields, L>, DeclaresSchema {
  readonly files: readonly string[];
  readonly itemShape: readonly number[];
  readonly dtype: DType;
  readonly labels: L;
  readonly options: Readonly<NativeImageOptions>;
  readonly [nativeSource]: NativeImageSource;
  declare readonly __types?: BatchTypes<T, NoFields, L>;

  protected constructor(files: string[], labels: L, options: ImagePipelineOptions) {
    this.options = Object.freeze(normaliseImageOptions(options));
    this.files = Object.freeze(files);
    this.labels = labels;
    this.dtype = this.options.dtype;
    this.itemShape = Object.freeze(itemShapeOf(this.options));
    this[nativeSource] = new binding.NativeImageSource([...files], { ...this.options });
  }

  get length(): number {
    return this.files.length;
  }

  /** Decodes item `index` now, on the calling thread (`epoch` selects the augmentation). */
  get(index: number, epoch = 0): T {
    return readItem(this, index, epoch);
  }

  /** Packed: the pipeline's output (raw), or with `encoded` each file's bytes, decoded by the same pipeline when read. */
  [storedSchema]({ encoded }: { encoded: boolean }): StoredSchema {
    const meta = { kind: 'image', pipeline: pipelineOf(this.options) } as const;
    return {
      fields: [
        encoded
          ? { name: 'image', dtype: 'uint8', encoding: 'image', shape: [], meta, files: this.files }
          : { name: 'image', dtype: this.dtype, encoding: 'raw', shape: [...this.itemShape], meta },
      ],
    };
  }
}

export interface ImageFilesOptions<LA extends ArrayLike<number> | undefined = ArrayLike<number> | undefined> extends ImagePipelineOptions {
  /** A class label per file. */
  labels?: LA;
}

/** batch.labels of an ImageFilesDataset: Int32Array when `labels` were given. */
export type LabelsOfFiles<LA> = [LA] extends [ArrayLike<number>] ? Int32Array : [LA] extends [undefined] ? undefined : Int32Array | undefined;

/** An explicit list of image files (order kept), with optional labels. */
export class ImageFilesDataset<D extends DType | undefined = undefined, LA extends ArrayLike<number> | undefined = undefined> extends ImageDatasetBase<
  ArrayFor<D>,
  LabelsOfFiles<LA>
> {
  constructor(paths: readonly string[], options: ImageFilesOptions<LA> & { dtype?: D }) {
    knownOptions('ImageFilesDataset', options, [...IMAGE_OPTION_KEYS, 'labels']);
    checkImageOptionsApply('ImageFilesDataset', options);
    const files = paths.map((p) => resolve(p));
    let labels: Int32Array | undefined;
    if (options.labels !== undefined) {
      if (options.labels.length !== files.length) {
        throw new TensorLoaderError('ERR_INVALID_ARG', `labels has ${options.labels.length} entries for ${files.length} files`);
      }
      labels = Int32Array.from(options.labels);
    }
    super(files, labels as LabelsOfFiles<LA>, options);
  }
}

export interface ImageFolderOptions extends ImagePipelineOptions {
  /** File extensions taken (lower case, with the dot). Default IMAGE_EXTENSIONS. */
  extensions?: readonly string[];
  /**
   * Which label each class folder gets, instead of the sorted order: the folder names in label
   * order (`['tshirt', 'trouser', ...]`), or folder name -> label (`{ tshirt: 0, trouser: 1 }`),
   * or folder name -> label and display name (`{ tshirt: { index: 0, name: 'T-shirt/top' } }`,
   * for names no folder can have; they become `classNames` and the packed file's classes).
   * Every folder must be named, and the labels must be 0 to n-1, each once.
   */
  classes?: readonly string[] | Readonly<Record<string, number | ClassEntry>>;
}

/** A class folder's label and the name it is shown (and packed) with. */
export interface ClassEntry {
  readonly index: number;
  readonly name: string;
}

function classError(message: string): TensorLoaderError {
  return new TensorLoaderError('ERR_INVALID_ARG', `ImageFolderDataset classes: ${message}`);
}

// One `classes` record value as a label and an optional display name.
function classEntry(folder: string, value: unknown): { label: number; name: string | undefined } {
  if (typeof value === 'number') return { label: value, name: undefined };
  if (typeof value !== 'object' || value === null) throw classError(`'${folder}' must map to a label or { index, name }, got ${String(value)}`);
  const extra = Object.keys(value).filter((k) => k !== 'index' && k !== 'name');
  if (extra.length > 0) throw classError(`'${folder}': unknown key '${extra[0]}' (keys: index, name)`);
  const { index, name } = value as Partial<ClassEntry>;
  if (typeof name !== 'string' || name === '') throw classError(`'${folder}': name must be a non-empty string, got ${String(name)}`);
  return { label: index as number, name };
}

// The folders in label order and the classes' display names, from the sorted folder names and the `classes` option.
function classOrder(folders: string[], classes: ImageFolderOptions['classes'], root: string): { order: string[]; names: string[] } {
  if (classes === undefined) return { order: folders, names: folders };
  if (typeof classes !== 'object' || classes === null) throw classError('expected folder names in label order or a map of folder name to label');
  const entries: Array<[string, number | ClassEntry]> = Array.isArray(classes)
    ? (classes as readonly string[]).map((name, i) => [name, i])
    : Object.entries(classes as Record<string, number | ClassEntry>);
  const order: string[] = new Array(entries.length);
  const names: string[] = new Array(entries.length);
  for (const [folder, value] of entries) {
    const { label, name } = classEntry(folder, value);
    if (!Number.isInteger(label) || label < 0 || label >= entries.length || order[label] !== undefined) {
      throw classError(`labels must be 0 to ${entries.length - 1}, each once (got ${label} for '${folder}')`);
    }
    if (!folders.includes(folder)) throw classError(`no folder '${folder}' in ${root} (it has ${folders.join(', ')})`);
    order[label] = folder;
    names[label] = name ?? folder;
  }
  const unnamed = folders.filter((f) => !order.includes(f));
  if (unnamed.length > 0) throw classError(`folder${unnamed.length > 1 ? 's' : ''} ${unnamed.join(', ')} ha${unnamed.length > 1 ? 've' : 's'} no label`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw classError(`two classes are named '${twice}'`);
  return { order, names };
}

/**
 * torchvision's ImageFolder: one sub-folder per class under `root`. Classes are the sorted
 * folder names (label = position), files are found recursively and sorted, both by code point
 * exactly as torchvision does, so labels and indices match a PyTorch run on the same folder.
 */
export class ImageFolderDataset<D extends DType | undefined = undefined> extends ImageDatasetBase<ArrayFor<D>, Int32Array> {
  /** The class folders' names in label order (torchvision's `classes`); `labels[i]` indexes into it. */
  readonly classes: readonly string[];
  /** Folder name -> label (torchvision's `class_to_idx`). */
  readonly classToIndex: Readonly<Record<string, number>>;
  /** The classes' display names in label order: `classes` option names where given, else the folder names. Packed as the file's classes. */
  readonly classNames: readonly string[];

  constructor(root: string, options: ImageFolderOptions & { dtype?: D }) {
    knownOptions('ImageFolderDataset', options, [...IMAGE_OPTION_KEYS, 'extensions', 'classes']);
    checkImageOptionsApply('ImageFolderDataset', options);
    const base = resolve(root);
    const st = statSync(base, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new TensorLoaderError('ENOENT', `ImageFolderDataset: ${root} is not a folder`);
    const folders = readdirSync(base, { withFileTypes: true })
      .filter((e) => e.isDirectory() || (e.isSymbolicLink() && fsCall(join(base, e.name), () => statSync(join(base, e.name), { throwIfNoEntry: false }))?.isDirectory()))
      .map((e) => e.name)
      .sort(byCodePoint);
    if (folders.length === 0) throw new TensorLoaderError('ENOENT', `ImageFolderDataset: no class folders in ${root}`);
    const { order: classes, names } = classOrder(folders, options.classes, root);
    const extensions = new Set((options.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase()));
    const files: string[] = [];
    const labels: number[] = [];
    classes.forEach((name, label) => {
      for (const file of walk(join(base, name))) {
        if (extensions.has(extname(file).toLowerCase())) {
          files.push(file);
          labels.push(label);
        }
      }
    });
    if (files.length === 0) throw new TensorLoaderError('ENOENT', `ImageFolderDataset: no image files under ${root}`);
    super(files, Int32Array.from(labels), options);
    this.classes = Object.freeze(classes);
    this.classToIndex = Object.freeze(Object.fromEntries(classes.map((c, i) => [c, i])));
    this.classNames = Object.freeze(names);
  }

  override [storedSchema](options: { encoded: boolean }): StoredSchema {
    return { ...super[storedSchema](options), classes: this.classNames };
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// torchvision's make_dataset: `sorted(os.walk(dir, followlinks=True))`, i.e. every folder's
// files (sorted) in the code-point order of the folders' paths, which puts "a/sub-x" before
// "a/sub/deeper" unlike a depth-first walk. Unlike os.walk, a symlink back to a folder being
// walked (or a link to itself) is an ELOOP TensorLoaderError naming it, not an endless walk
// or Node's raw error; a link to a folder elsewhere is followed, as os.walk does.
function walk(dir: string): string[] {
  const folders: Array<{ path: string; files: string[] }> = [];
  const onPath = new Map<string, string>(); // dev:ino of the folders being walked -> their path
  const visit = (path: string): void => {
    const id = fsCall(path, () => statSync(path));
    const key = `${id.dev}:${id.ino}`;
    const ancestor = onPath.get(key);
    if (ancestor !== undefined) {
      throw new TensorLoaderError('ELOOP', `ImageFolderDataset: symlink loop: ${path} leads back to ${ancestor}`);
    }
    onPath.set(key, path);
    const files: string[] = [];
    for (const e of fsCall(path, () => readdirSync(path, { withFileTypes: true }))) {
      const full = join(path, e.name);
      const st = e.isSymbolicLink() ? fsCall(full, () => statSync(full, { throwIfNoEntry: false })) : undefined;
      if (e.isDirectory() || st?.isDirectory()) visit(full);
      else if (e.isFile() || st?.isFile()) files.push(e.name);
    }
    onPath.delete(key);
    folders.push({ path, files: files.sort(byCodePoint) });
  };
  visit(dir);
  folders.sort((a, b) => byCodePoint(a.path, b.path));
  return folders.flatMap((f) => f.files.map((name) => join(f.path, name)));
}

// Node's fs errors (ELOOP from a link to itself, EACCES, ...) as typed errors naming the path.
function fsCall<T>(path: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw e;
    const why = code === 'ELOOP' ? 'symlink loop (a link that resolves to itself)' : (e as Error).message;
    throw new TensorLoaderError(code, `ImageFolderDataset: ${path}: ${why}`, { cause: e });
  }
}
