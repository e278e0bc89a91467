// Packed files made by pack(): preprocessed once, memory-mapped for every later epoch. Items
// have fields (image and label, values, x and y); batches carry each as one typed array.
import type { NativePackedField, NativePackedOutput, NativePackedSource } from '../../binding.js';
import { nativeSource, readFields, type BatchArray, type BatchTypes, type DType, type DTypeArrays, type FieldArrays, type FieldSpec, type NativeDataset } from '../dataset.js';
import { ErrorLog } from '../error-log.js';
import { TensorLoaderError, type ItemError } from '../errors.js';
import { expandGlob } from '../files.js';
import { binding } from '../native.js';
import { invalidArg, knownOptions, oneOf } from '../validate.js';
import { IMAGE_DEFAULTS, IMAGE_OPTION_KEYS, itemShapeOf, normaliseImageOptions, outputBytesOf, type ImagePipelineOptions, type NativeImageOptions } from './image-options.js';
import { parseMeta, type PackMeta } from '../pack/meta.js';
import { openLocalOrMapped, type RemoteOpenOptions } from '../remote/open-mapped.js';
import { RemotePackedDataset } from '../remote/remote-packed.js';
import { isRemote } from '../remote/transports.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';

/**
 * Which fields items contain, in this order: their names, or their names and the dtype each
 * must read as (checked on open; it types `batch.fields`): `{ image: 'float32', label: 'int32' }`.
 */
export type PackedFieldsOption = readonly string[] | Readonly<Record<string, DType>>;

/** The batch fields a PackedDataset reads with `fields: S`: typed arrays by dtype, any array by bare name, any field without S. */
export type PackedFields<S> = [S] extends [readonly (infer N extends string)[]]
  ? { [K in N]: BatchArray }
  : [S] extends [Readonly<Record<string, DType>>]
    ? { [K in keyof S & string]: DTypeArrays[S[K] & DType] }
    : FieldArrays;

/** batch.labels of a PackedDataset: Int32Array with labelField (checked on open), otherwise as the file says. */
export type PackedLabels<LF> = [LF] extends [string] ? Int32Array : Int32Array | undefined;

export interface PackedDatasetOptions<S extends PackedFieldsOption | undefined = PackedFieldsOption | undefined, LF extends string | undefined = string | undefined> {
  /**
   * Which fields items contain, in this order: names (`['image', 'label']`), or names with the
   * dtype each must read as (`{ image: 'float32', label: 'int32' }`: a field that reads as
   * another dtype is an EDTYPE error on open, and batches are typed by it). Default: every
   * stored field.
   */
  fields?: S;
  /**
   * When record checksums (CRC-32C) are checked: 'first-read' (default: each record once, the
   * first time it is read), 'always', or 'never'. The header and index are always checked on open.
   */
  verify?: 'first-read' | 'always' | 'never';
  /**
   * Image fields. Raw ones (pixels stored at pack time as uint8 [H, W, C]) take `dtype`,
   * `layout`, `scale`, `mean` and `std`: converted on the way into the batch. Encoded ones
   * (pack with `encoded`) take the whole image pipeline, starting from the one they were packed
   * with. Without this option raw image fields come as stored. Raw means any uint8 field of
   * shape [H, W, C] (C = 1, 3 or 4) or [H, W], whoever packed it (an image dataset or a JS
   * dataset's Uint8Array tensors); given for a file with no such field, it is an error.
   */
  image?: Partial<ImagePipelineOptions>;
  /** Accept some shards of a set, not all of them (a remote set streamed shard by shard). Default false. */
  subset?: boolean;
  /** The int32 scalar field that fills batch.labels. Default: the field packed as the label. */
  labelField?: LF;
}

const OPTION_KEYS = new Set(['fields', 'verify', 'image', 'labelField', 'subset']);

// A raw field the pixel conversion can read: uint8 [H, W, C] or grey [H, W].
function imageShaped(f: NativePackedField): boolean {
  if (f.encoding !== 'raw' || f.dtype !== 'uint8') return false;
  return (f.shape.length === 3 && [1, 3, 4].includes(f.shape[2]!)) || f.shape.length === 2;
}

/** What verify() found. */
export interface VerifyReport {
  records: number;
  bytes: number;
  /** Corrupt records (at most 1000), each naming shard and record. */
  failures: ItemError[];
  ok: boolean;
}

const RAW_IMAGE_KEYS = new Set(['dtype', 'layout', 'scale', 'mean', 'std']);

// How one stored field is read: an encoded image through the pipeline (its packed pipeline,
// with the reader's limits and any options given), a uint8 image-shaped field converted as
// asked, anything else as stored.
function fieldOutput(
  name: string,
  field: number,
  stored: NativePackedField,
  meta: PackMeta,
  asked: Partial<ImagePipelineOptions> | undefined,
): { output: NativePackedOutput; spec: FieldSpec; converted: boolean } {
  if (stored.encoding === 'image') {
    const base: Partial<ImagePipelineOptions> = { ...(meta.fields[name]?.pipeline ?? { size: 224 }) };
    // Asking for raw pixels drops the stored normalisation instead of conflicting with it.
    if (asked?.dtype === 'uint8') {
      delete base.scale;
      delete base.mean;
      delete base.std;
    }
    const image = readerLimited(name, base, asked);
    return { output: { field, image }, spec: { name, dtype: image.dtype, shape: itemShapeOf(image) }, converted: false };
  }
  if (asked && imageShaped(stored)) {
    const extra = Object.keys(asked).filter((k) => !RAW_IMAGE_KEYS.has(k));
    if (extra.length > 0) {
      throw new TensorLoaderError(
        'ERR_INVALID_ARG',
        `field '${name}' holds pixels resized at pack time: only dtype, layout, scale, mean and std apply (not ${extra.join(', ')}); pack with encoded: true to run the whole pipeline when reading`,
      );
    }
    const [height, width, channels = 1] = stored.shape as [number, number, number?];
    const image = normaliseImageOptions({ ...asked, size: [height, width], channels: channels as 1 | 3 | 4 });
    return { output: { field, convert: true, image }, spec: { name, dtype: image.dtype, shape: itemShapeOf(image) }, converted: true };
  }
  return { output: { field }, spec: { name, dtype: stored.dtype, shape: stored.shape }, converted: false };
}

/**
 * One packed file, a list of shards, or a glob of shards (`data-*.tlpack`): the shards must be
 * one complete set (made by one pack()). Opening maps each shard once (descriptor closed at
 * once) and validates magic, version, sizes, index bounds and the header+index checksum.
 */
export class PackedDataset<const S extends PackedFieldsOption | undefined = undefined, LF extends string | undefined = undefined>
  implements NativeDataset<PackedFields<S>[keyof PackedFields<S>], PackedFields<S>, PackedLabels<LF>>, DeclaresSchema
{
  readonly paths: readonly string[];
  readonly fields: readonly FieldSpec[];
  /** The stored fields, as on disk. */
  readonly storedFields: readonly NativePackedField[];
  readonly dtype: DType;
  readonly itemShape: readonly number[];
  /** Class names when the set was packed from an image folder. */
  readonly classes: readonly string[] | undefined;
  readonly meta: PackMeta;
  readonly labelField: string | undefined;
  readonly [nativeSource]: NativePackedSource;
  declare readonly __types?: BatchTypes<PackedFields<S>[keyof PackedFields<S>], PackedFields<S>, PackedLabels<LF>>;

  constructor(pathOrPaths: string | readonly string[], options: PackedDatasetOptions<S, LF> = {}) {
    const named = typeof pathOrPaths === 'string' ? [pathOrPaths] : pathOrPaths;
    if (named.some((p) => isRemote(p))) {
      throw new TensorLoaderError('ERR_INVALID_ARG', 'remote shards are fetched first: await PackedDataset.open(urls, { cache: { dir, maxBytes } })');
    }
    knownOptions('PackedDataset', options, OPTION_KEYS);
    knownOptions('PackedDataset image', options.image, IMAGE_OPTION_KEYS);
    const paths = typeof pathOrPaths === 'string' ? expandGlob(pathOrPaths) : pathOrPaths.flatMap((p) => expandGlob(p));
    this.paths = Object.freeze(paths);
    const source = new binding.NativePackedSource(paths, options.subset === true);
    this[nativeSource] = source;
    this.storedFields = Object.freeze(source.fields);
    this.meta = parseMeta(source.meta);
    this.classes = this.meta.classes ? Object.freeze([...this.meta.classes]) : undefined;

    const asked = fieldSelection(options.fields);
    const names = asked?.names ?? this.storedFields.map((f) => f.name);
    if (names.length === 0) throw new TensorLoaderError('ERR_INVALID_ARG', 'fields: choose at least one');
    const outputs: NativePackedOutput[] = [];
    const specs: FieldSpec[] = [];
    let converted = false;
    for (const name of names) {
      const field = this.storedFields.findIndex((f) => f.name === name);
      if (field < 0) {
        throw new TensorLoaderError('ERR_INVALID_ARG', `no field '${name}' (the file has ${this.storedFields.map((f) => f.name).join(', ')})`);
      }
      const read = fieldOutput(name, field, this.storedFields[field]!, this.meta, options.image);
      outputs.push(read.output);
      specs.push(read.spec);
      converted ||= read.converted;
    }
    if (options.image && !converted && !outputs.some((o) => o.image)) {
      throw new TensorLoaderError(
        'ERR_INVALID_ARG',
        `image: no field to apply it to (image options apply to encoded image fields and to uint8 [H, W, C] or [H, W] fields; this file has ${this.storedFields.map((f) => `${f.name}: ${f.dtype}[${f.shape.join(', ')}]`).join(', ')})`,
      );
    }
    const labelName = options.labelField ?? specs.find((s) => this.meta.fields[s.name]?.kind === 'label')?.name;
    if (labelName !== undefined) {
      const spec = specs.find((s) => s.name === labelName);
      if (!spec) throw new TensorLoaderError('ERR_INVALID_ARG', `labelField: no field '${labelName}' among ${specs.map((s) => s.name).join(', ')}`);
      if ((spec.dtype !== 'int32' && spec.dtype !== 'uint8') || spec.shape.length !== 0) {
        throw new TensorLoaderError('ERR_INVALID_ARG', `labelField: '${labelName}' is ${spec.dtype}[${spec.shape.join(', ')}], labels are int32 (or uint8) scalars`);
      }
    }
    for (const spec of specs) {
      const want = asked?.dtypes?.[spec.name];
      if (want !== undefined && want !== spec.dtype) {
        throw new TensorLoaderError('EDTYPE', `field '${spec.name}' reads as ${spec.dtype}, not the ${want} asked for in fields (${this.paths[0]})`);
      }
    }
    this.labelField = labelName;
    const verify = oneOf('verify', options.verify ?? 'first-read', ['first-read', 'always', 'never']);
    source.configure(outputs, verify);
    this.fields = Object.freeze(specs.map((s) => Object.freeze({ ...s, shape: Object.freeze([...s.shape]) })));
    this.dtype = this.fields[0]!.dtype;
    this.itemShape = this.fields[0]!.shape;
  }

  /**
   * Local paths or globs as the constructor takes them, or http(s)/s3 URLs (with {000..099}
   * ranges) fetched whole into `cache` first and then mapped as local shards (see RemotePackedDataset).
   */
  static async open<const S extends PackedFieldsOption | undefined = undefined, LF extends string | undefined = undefined>(
    source: string | readonly string[],
    options: PackedDatasetOptions<S, LF> & RemoteOpenOptions = {},
  ): Promise<PackedDataset<S, LF>> {
    const local = (s: typeof source, o: PackedDatasetOptions<S, LF>) => new PackedDataset<S, LF>(s, o);
    return openLocalOrMapped(source, options, local, (s, o) => RemotePackedDataset.open(s, o));
  }

  get length(): number {
    return this[nativeSource].length;
  }

  /** The shards in order, with their record ranges and sizes. */
  get shards(): ReadonlyArray<{ path: string; firstRecord: number; records: number; bytes: number }> {
    return this[nativeSource].shards;
  }

  /** Item `index` now, on the calling thread: one new typed array per field, by name. */
  get(index: number, epoch = 0): PackedFields<S> {
    return readFields(this, index, epoch) as PackedFields<S>;
  }

  /** Repacked as the fields it reads (after any image conversion), by name. */
  [storedSchema](): StoredSchema {
    return valueFields(this);
  }

  /** Tells the kernel how the mapping will be read (the DataLoader does this from its sampler). */
  advise(pattern: 'sequential' | 'random'): void {
    this[nativeSource].advise(pattern);
  }

  /**
   * Checks every record's checksum now (the header and index were checked on open), in chunks
   * so the event loop keeps running; `onProgress(done, total)` after each chunk.
   */
  async verify(options: { onProgress?: (done: number, total: number) => void; chunk?: number } = {}): Promise<VerifyReport> {
    const source = this[nativeSource];
    const chunk = options.chunk ?? 4096;
    const failures = new ErrorLog(1000, 'first');
    let at = 0;
    while (at < this.length) {
      const end = Math.min(this.length, at + chunk);
      while (at < end) {
        const failure = source.verify(at, end - at);
        if (!failure) {
          at = end;
          break;
        }
        failures.add(failure);
        at = failure.index + 1;
      }
      options.onProgress?.(at, this.length);
      await new Promise((r) => setImmediate(r));
    }
    const bytes = this.shards.reduce((a, s) => a + s.bytes, 0);
    return { records: this.length, bytes, failures: [...failures.entries], ok: failures.count === 0 };
  }
}

const DTYPES: readonly DType[] = ['float32', 'uint8', 'float16', 'float64', 'int32', 'int64'];

// The `fields` option as names in order and, in its record form, the dtype each must read as.
function fieldSelection(fields: PackedFieldsOption | undefined): { names: readonly string[]; dtypes?: Readonly<Record<string, DType>> } | undefined {
  if (fields === undefined) return undefined;
  if (Array.isArray(fields)) return { names: fields as readonly string[] };
  if (typeof fields !== 'object' || fields === null) throw new TensorLoaderError('ERR_INVALID_ARG', 'fields: a list of names or a map of name to dtype');
  const dtypes = fields as Readonly<Record<string, DType>>;
  for (const [name, dtype] of Object.entries(dtypes)) oneOf(`fields.${name}`, dtype, DTYPES, invalidArg);
  return { names: Object.keys(dtypes), dtypes };
}

/**
 * The pipeline of an encoded image field: the file's (what it was packed with) under the
 * reader's limits. The file may tighten maxPixels, never raise it; maxItemBytes and failOn are
 * the reader's alone; an output size the file asks for must fit the reader's maxItemBytes
 * (the reader's own `size` is the reader's choice). A file cannot make a reader decode more
 * than it would decode from a plain image file with the same options.
 */
function readerLimited(name: string, stored: Partial<ImagePipelineOptions>, reader: Partial<ImagePipelineOptions> | undefined): NativeImageOptions {
  const { maxItemBytes: _ignored, failOn: _alsoIgnored, ...fromFile } = stored;
  const readerMaxPixels = reader?.maxPixels ?? IMAGE_DEFAULTS.maxPixels;
  const fileMaxPixels = typeof fromFile.maxPixels === 'number' && fromFile.maxPixels >= 1 ? fromFile.maxPixels : readerMaxPixels;
  const image = normaliseImageOptions({
    ...fromFile,
    ...reader,
    maxPixels: Math.min(fileMaxPixels, readerMaxPixels),
    maxItemBytes: reader?.maxItemBytes ?? IMAGE_DEFAULTS.maxItemBytes,
    failOn: reader?.failOn ?? IMAGE_DEFAULTS.failOn,
  } as ImagePipelineOptions);
  if (reader?.size === undefined && outputBytesOf(image) > image.maxItemBytes) {
    throw new TensorLoaderError(
      'ETOOLARGE',
      `field '${name}': the packed file asks for ${image.height}x${image.width}x${image.channels} ${image.dtype} items ` +
        `(${outputBytesOf(image)} bytes each), over maxItemBytes ${image.maxItemBytes}; pass image: { size } to choose the output size`,
    );
  }
  return image;
}
