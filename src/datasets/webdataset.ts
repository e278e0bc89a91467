// WebDataset tar shards as a map-style dataset: every shard is indexed natively from its
// headers on open (no member data read), so `length` and `get(i)` exist. Image members go
// through the native image pipeline straight into the batch slot, `cls` members become int32
// labels (`batch.labels`), `npy` members array fields; text members (json, txt, ...) come back
// per item through `meta(i)`, beside the batch.
import type { NativeTarField, NativeTarSource } from '../../binding.js';
import { nativeSource, readFields, type BatchArray, type BatchTypes, type DType, type FieldSpec, type NativeDataset } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { expandShards, localShardPaths, type ShardSource } from '../shards.js';
import { IMAGE_EXTENSIONS, type ArrayFor } from './image-dataset.js';
import { checkImageOptionsApply, IMAGE_OPTION_KEYS, itemShapeOf, normaliseImageOptions, pipelineOf, type ImagePipelineOptions, type NativeImageOptions } from './image-options.js';
import { knownOptions } from '../validate.js';
import { openLocalOrMapped, type RemoteOpenOptions } from '../remote/open-mapped.js';
import { RemoteWebDataset } from '../remote/remote-webdataset.js';
import { isRemote } from '../remote/transports.js';
import { storedSchema, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';

/** The extensions of one field: `'jpg;png'` or `['jpg', 'png']`. */
export type FieldExtensions = string | readonly string[];

// What a field's extensions make it, at the type level (as kindOf does at run time, which also
// checks that every extension of a field is of one kind): the first extension's last part decides.
type FirstExt<E extends string> = E extends `${infer A};${string}` ? A : E;
type LastPart<E extends string> = E extends `${string}.${infer R}` ? LastPart<R> : E;
type KindOfExt<E extends string> = string extends E
  ? 'unknown'
  : Lowercase<LastPart<FirstExt<E>>> extends 'cls' | 'cls2' | 'index'
    ? 'label'
    : Lowercase<LastPart<FirstExt<E>>> extends 'npy'
      ? 'array'
      : 'image';
type KindOf<X> = X extends string ? KindOfExt<X> : X extends readonly (infer E extends string)[] ? KindOfExt<E> : 'unknown';
type ArrayOfKind<K, D extends DType | undefined> = [K] extends ['label'] ? Int32Array : [K] extends ['image'] ? ArrayFor<D> : BatchArray;

/** Any WebDataset, whatever its fields and image dtype (what code handling every WebDataset names). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWebDataset = WebDataset<any, any>;
/** Batch fields of a WebDataset with `fields: Fd` and image dtype D: images as D's array, cls labels as Int32Array, npy arrays as any array. */
export type WebDatasetFields<Fd, D extends DType | undefined> = { [K in keyof Fd & string]: ArrayOfKind<KindOf<Fd[K]>, D> };
/** batch.labels of a WebDataset: Int32Array when a field named `label` reads cls members. */
export type WebDatasetLabels<Fd> = 'label' extends keyof Fd
  ? [KindOf<Fd['label' & keyof Fd]>] extends ['label']
    ? Int32Array
    : [KindOf<Fd['label' & keyof Fd]>] extends ['unknown']
      ? Int32Array | undefined
      : undefined
  : undefined;

export interface WebDatasetOptions<Fd extends Readonly<Record<string, FieldExtensions>> = Readonly<Record<string, FieldExtensions>>, D extends DType | undefined = DType | undefined> {
  /**
   * Batch fields by name, each from the first of its extensions a sample has, written as
   * WebDataset writes them: `'jpg;png'` or `['jpg', 'png']` (lowercase, after the key's first
   * dot: `seg.png`). Image extensions give image fields, `cls` an int32 label (the field named
   * `label` is also `batch.labels`), `npy` an array field. Default:
   * `{ image: 'jpg;jpeg;png;webp;...', label: 'cls' }`.
   */
  fields?: Fd;
  /** The image pipeline of every image field, as ImageFolderDataset's options. Required with an image field. */
  image?: ImagePipelineOptions & { dtype?: D };
  /** Extensions `meta(i)` returns: `json` members parsed, others as text. Default ['json', 'txt']. */
  meta?: readonly string[];
}

/** One shard: its path, the index of its first sample, its sample count and its size. */
export interface ShardInfo {
  path: string;
  firstSample: number;
  samples: number;
  bytes: number;
}

/** What `meta(i)` returns: the sample's key and shard, and its text members by extension. */
export interface SampleMeta {
  __key__: string;
  __url__: string;
  [ext: string]: unknown;
}

/** Internal option: the URLs the (cached) shard files were fetched from, for meta(i).__url__. */
export const shardUrls = Symbol('tensorloader.shardUrls');

const DEFAULT_IMAGE_EXTS = IMAGE_EXTENSIONS.map((e) => e.slice(1));
const LABEL_EXTS = new Set(['cls', 'cls2', 'index']);

type Kind = NativeTarField['kind'];

function kindOf(name: string, exts: readonly string[]): Kind {
  const kinds = new Set<Kind>();
  for (const ext of exts) {
    const last = ext.slice(ext.lastIndexOf('.') + 1);
    if (LABEL_EXTS.has(last)) kinds.add('label');
    else if (last === 'npy') kinds.add('array');
    else if (DEFAULT_IMAGE_EXTS.includes(last)) kinds.add('image');
    else {
      throw new TensorLoaderError(
        'ERR_INVALID_ARG',
        `field '${name}': '${ext}' members are not read into batches (images, cls and npy are); text members come through meta(i)`,
      );
    }
  }
  if (kinds.size !== 1) throw new TensorLoaderError('ERR_INVALID_ARG', `field '${name}' mixes extensions of different kinds: ${exts.join(';')}`);
  return [...kinds][0]!;
}

function extList(name: string, value: string | readonly string[]): string[] {
  const list = (typeof value === 'string' ? value.split(';') : [...value]).map((e) => String(e).trim().toLowerCase().replace(/^\./, ''));
  if (list.length === 0 || list.some((e) => e === '')) throw new TensorLoaderError('ERR_INVALID_ARG', `field '${name}': empty extension in ${String(value)}`);
  return list;
}

/**
 * WebDataset tar shards (`new WebDataset('train-{000000..000099}.tar', { image: { size: 224 } })`):
 * a path, a glob, a brace pattern or a list of those. Samples follow WebDataset's rule: the run of
 * consecutive regular members sharing a key (directory + name up to the first dot).
 */
// Fd and D default to any fields and dtype, so a bare `WebDataset` names every WebDataset; the
// batch types are exact when `fields` (and the image dtype) are given.
export class WebDataset<const Fd extends Readonly<Record<string, FieldExtensions>> = Readonly<Record<string, FieldExtensions>>, D extends DType | undefined = undefined>
  implements NativeDataset<WebDatasetFields<Fd, D>[keyof Fd & string], WebDatasetFields<Fd, D>, WebDatasetLabels<Fd>>, DeclaresSchema
{
  /** The shards, in the order their samples are numbered. */
  readonly paths: readonly string[];
  readonly fields: readonly FieldSpec[];
  readonly dtype: DType;
  readonly itemShape: readonly number[];
  /** Which extensions each field reads, by field name. */
  readonly fieldExtensions: Readonly<Record<string, readonly string[]>>;
  readonly metaExtensions: readonly string[];
  readonly [nativeSource]: NativeTarSource;
  readonly #shards: ReadonlyArray<Readonly<ShardInfo>>;
  readonly #kinds: readonly Kind[];
  readonly #image: NativeImageOptions | undefined;
  readonly #urls: readonly string[] | undefined;
  declare readonly __types?: BatchTypes<WebDatasetFields<Fd, D>[keyof Fd & string], WebDatasetFields<Fd, D>, WebDatasetLabels<Fd>>;

  constructor(source: ShardSource, options: WebDatasetOptions<Fd, D> & { [shardUrls]?: readonly string[] } = {}) {
    const named = typeof source === 'string' ? [source] : source;
    if (Array.isArray(named) && named.some((p) => typeof p === 'string' && isRemote(p))) {
      throw new TensorLoaderError('EREMOTE', 'remote shards are fetched first: await WebDataset.open(urls, { cache: { dir, maxBytes } }), or RemoteWebDataset.open for a set bigger than the cache');
    }
    // Symbol keys (shardUrls, from RemoteWebDataset) are not options a user names.
    knownOptions('WebDataset', options, ['fields', 'image', 'meta']);
    knownOptions('WebDataset image', options.image, IMAGE_OPTION_KEYS);
    checkImageOptionsApply('WebDataset image', options.image);
    this.paths = Object.freeze(localShardPaths(expandShards(source)));
    const given: Readonly<Record<string, FieldExtensions>> = options.fields ?? { image: DEFAULT_IMAGE_EXTS, label: 'cls' };
    const entries = Object.entries(given);
    if (entries.length === 0) throw new TensorLoaderError('ERR_INVALID_ARG', 'fields: choose at least one');
    const native: NativeTarField[] = [];
    const specs: FieldSpec[] = [];
    const extensions: Record<string, readonly string[]> = {};
    const hasImage = entries.some(([n, v]) => kindOf(n, extList(n, v)) === 'image');
    if (hasImage && options.image === undefined) {
      throw new TensorLoaderError('ERR_INVALID_ARG', 'image fields need the image pipeline: options.image, e.g. { size: [224, 224] }');
    }
    if (!hasImage && options.image !== undefined) {
      throw new TensorLoaderError('ERR_INVALID_ARG', `image: no image field to apply it to (fields: ${entries.map(([n, v]) => `${n}: ${String(v)}`).join(', ')})`);
    }
    const image = hasImage ? normaliseImageOptions(options.image!) : undefined;
    for (const [name, value] of entries) {
      const exts = extList(name, value);
      const kind = kindOf(name, exts);
      extensions[name] = Object.freeze(exts);
      native.push(kind === 'image' ? { name, exts, kind, image: { ...image! } } : { name, exts, kind });
      if (kind === 'image') specs.push({ name, dtype: image!.dtype, shape: itemShapeOf(image!) });
      else if (kind === 'label') specs.push({ name, dtype: 'int32', shape: [] });
      else specs.push({ name, dtype: 'float32', shape: [] }); // replaced below from the first sample's .npy
    }
    // A bad shard or a missing field throws the addon's TensorLoaderError (code, path).
    const tar: NativeTarSource = new binding.NativeTarSource([...this.paths], native);
    this[nativeSource] = tar;
    this.#kinds = Object.freeze(native.map((f) => f.kind));
    this.#image = image;
    const urls = options[shardUrls];
    this.#urls = urls && urls.length === this.paths.length ? Object.freeze([...urls]) : undefined;
    this.#shards = Object.freeze(tar.shards.map((x) => Object.freeze(x)));
    const arrays = tar.arrays;
    this.fields = Object.freeze(
      specs.map((s, i) => {
        const a = arrays[i];
        const spec = a ? { name: s.name, dtype: a.dtype as DType, shape: a.shape } : s;
        return Object.freeze({ ...spec, shape: Object.freeze([...spec.shape]) });
      }),
    );
    this.dtype = this.fields[0]!.dtype;
    this.itemShape = this.fields[0]!.shape;
    this.fieldExtensions = Object.freeze(extensions);
    this.metaExtensions = Object.freeze((options.meta ?? ['json', 'txt']).map((e) => e.toLowerCase()));
  }

  /**
   * Local shards as the constructor takes them, or http(s)/s3 URLs (brace patterns, lists)
   * fetched whole into `cache` first and then indexed as local shards (map-style; the set must
   * fit in the cache: RemoteWebDataset reads bigger sets shard by shard). `index`: a wids shard
   * index whose counts are checked against the shards.
   */
  static async open<const Fd extends Readonly<Record<string, FieldExtensions>> = Readonly<Record<string, FieldExtensions>>, D extends DType | undefined = undefined>(
    source: ShardSource,
    options: WebDatasetOptions<Fd, D> & RemoteOpenOptions = {},
  ): Promise<WebDataset<Fd, D>> {
    const local = (s: typeof source, o: WebDatasetOptions<Fd, D>) => new WebDataset<Fd, D>(s, o);
    return openLocalOrMapped(source, options, local, (s, o) => RemoteWebDataset.open(s, o));
  }

  get length(): number {
    return this[nativeSource].length;
  }

  /** The shards in order, with their sample ranges and sizes (what ShardOrderSampler takes). */
  get shards(): ReadonlyArray<Readonly<ShardInfo>> {
    return this.#shards;
  }

  /** Sample `index` now, on the calling thread: one new typed array per field, by name. */
  get(index: number, epoch = 0): WebDatasetFields<Fd, D> {
    return readFields(this, index, epoch) as WebDatasetFields<Fd, D>;
  }

  /** Packed as the batch's fields: images as the pipeline's output, labels, arrays. */
  [storedSchema]({ encoded }: { encoded: boolean }): StoredSchema {
    if (encoded) throw new TensorLoaderError('ERR_INVALID_ARG', 'encoded: tar members are not files; pack a WebDataset with its decoded fields');
    return {
      fields: this.fields.map((f, i) => ({
        name: f.name,
        dtype: f.dtype,
        encoding: 'raw' as const,
        shape: [...f.shape],
        meta: this.#kinds[i] === 'image' ? { kind: 'image' as const, pipeline: pipelineOf(this.#image!) } : { kind: this.#kinds[i] === 'label' ? ('label' as const) : ('values' as const) },
      })),
    };
  }

  /** The key of sample `index` (WebDataset's `__key__`). */
  key(index: number): string {
    return this[nativeSource].key(index);
  }

  /**
   * Sample `index`'s key, shard (`__url__`) and text members of `options.meta`'s extensions
   * (json parsed, others as UTF-8 text; absent ones left out). With a loader, rows map to
   * samples through `batch.indices`: `batch.indices.map(i => dataset.meta(i))`.
   */
  meta(index: number): SampleMeta {
    const tar = this[nativeSource];
    const key = tar.key(index);
    const shard = this.#shardOf(index);
    const out: SampleMeta = { __key__: key, __url__: shard };
    for (const ext of this.metaExtensions) {
      const bytes = tar.member(index, ext);
      if (bytes === null) continue;
      const text = bytes.toString('utf8');
      if (ext === 'json' || ext.endsWith('.json')) {
        try {
          out[ext] = JSON.parse(text);
        } catch (e) {
          throw new TensorLoaderError('EPARSE', `${shard}#${key}.${ext}: ${(e as Error).message}`, { cause: e });
        }
      } else {
        out[ext] = text;
      }
    }
    return out;
  }

  #shardOf(index: number): string {
    const shards = this.shards;
    let lo = 0;
    let hi = shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (shards[mid]!.firstSample <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.#urls?.[lo] ?? shards[lo]!.path;
  }
}
