// IDX files (MNIST, Fashion-MNIST, EMNIST; gzipped or not) as a dataset: images and, when a
// label file is given, labels as fields. Item i is image i and label i, byte for byte what
// torchvision.datasets.FashionMNIST reads.
import type { NativeFieldsSource, NativeIdxSource } from '../../binding.js';
import { nativeSource, readFields, readItem, type BatchTypes, type FieldSpec, type NativeDataset, type NoFields } from '../dataset.js';
import { TensorLoaderError } from '../errors.js';
import { binding } from '../native.js';
import { knownOptions } from '../validate.js';
import { storedSchema, valueFields, type DeclaresSchema, type StoredSchema } from '../stored-schema.js';

/** Fashion-MNIST's class names by label (its README's order; label 0 is 'T-shirt/top'). */
export const FASHION_MNIST_CLASSES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

export interface IdxDatasetOptions {
  /**
   * A directory for inflated copies of .gz files: inflated once, written atomically, then mapped
   * on every later open. Default: none, a .gz is inflated into memory at each open.
   */
  cacheDir?: string;
  /** The most bytes an array may take inflated (a header asking for more is refused). Default 4 GiB. */
  maxBytes?: number;
  /** Class names by label; every label must be below their count. */
  classes?: readonly string[];
}

const OPTION_KEYS = new Set(['cacheDir', 'maxBytes', 'classes']);

function openIdx(path: string, options: IdxDatasetOptions): NativeIdxSource {
  if (typeof path !== 'string' || path === '') throw new TensorLoaderError('ERR_INVALID_ARG', 'IdxDataset: a path is required');
  return new binding.NativeIdxSource(path, options.cacheDir ?? '', options.maxBytes ?? 4 * 2 ** 30);
}

/** Batch fields of an IdxDataset: `image` and `label` with a label file (LP a string), none without. */
export type IdxFields<LP extends string | undefined> = [LP] extends [string]
  ? { image: Uint8Array; label: Uint8Array }
  : [LP] extends [undefined]
    ? NoFields
    : Partial<{ image: Uint8Array; label: Uint8Array }>;
/** batch.labels of an IdxDataset: Int32Array with a label file, undefined without. */
export type IdxLabels<LP extends string | undefined> = [LP] extends [string] ? Int32Array : [LP] extends [undefined] ? undefined : Int32Array | undefined;
/** IdxDataset.get(i): `{ image, label }` with a label file, the image row without. */
export type IdxItem<LP extends string | undefined> = [LP] extends [string]
  ? { image: Uint8Array; label: number }
  : [LP] extends [undefined]
    ? Uint8Array
    : { image: Uint8Array; label: number } | Uint8Array;

/**
 * `new IdxDataset('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz')`: uint8 images
 * ([28, 28] for MNIST) as field `image`, labels as field `label` and as `labels` (so batches
 * carry `batch.labels`). With one path, a single-field uint8 dataset of the file's rows.
 */
export class IdxDataset<LP extends string | undefined = undefined> implements NativeDataset<Uint8Array, IdxFields<LP>, IdxLabels<LP>>, DeclaresSchema {
  readonly path: string;
  readonly labelsPath: string | undefined;
  /** The image array's full shape ([N, 28, 28] for MNIST). */
  readonly shape: readonly number[];
  readonly itemShape: readonly number[];
  readonly dtype = 'uint8' as const;
  readonly fields: readonly FieldSpec[] | undefined;
  readonly labels: IdxLabels<LP>;
  readonly classes: readonly string[] | undefined;
  /** The inflated cache files read, when cacheDir was given for .gz files. */
  readonly cachePaths: readonly string[];
  readonly [nativeSource]: NativeIdxSource | NativeFieldsSource;
  declare readonly __types?: BatchTypes<Uint8Array, IdxFields<LP>, IdxLabels<LP>>;

  constructor(images: string, labels?: LP, options: IdxDatasetOptions = {}) {
    knownOptions('IdxDataset', options, OPTION_KEYS);
    if (options.maxBytes !== undefined && !(Number.isInteger(options.maxBytes) && options.maxBytes > 0)) {
      throw new TensorLoaderError('ERR_INVALID_ARG', `IdxDataset: maxBytes must be a positive integer, got ${options.maxBytes}`);
    }
    if (options.classes !== undefined && labels === undefined) throw new TensorLoaderError('ERR_INVALID_ARG', 'IdxDataset: classes name labels, and no label file was given');
    this.path = images;
    this.labelsPath = labels;
    const imageSource = openIdx(images, options);
    this.shape = Object.freeze([...imageSource.shape]);
    this.itemShape = Object.freeze(this.shape.slice(1));
    const caches = [imageSource.cachePath];
    if (labels === undefined) {
      this[nativeSource] = imageSource;
      this.fields = undefined;
      this.labels = undefined as IdxLabels<LP>;
    } else {
      const labelSource = openIdx(labels, options);
      caches.push(labelSource.cachePath);
      if (labelSource.shape.length !== 1) throw new TensorLoaderError('EFORMAT', `${labels}: a label file is one-dimensional, this one is [${labelSource.shape.join(', ')}]`);
      if (labelSource.length !== imageSource.length) {
        throw new TensorLoaderError('ECOUNT', `${labels} holds ${labelSource.length} labels for the ${imageSource.length} images of ${images}`);
      }
      this.labels = readLabels(labelSource) as IdxLabels<LP>;
      this.fields = Object.freeze([
        Object.freeze({ name: 'image', dtype: 'uint8' as const, shape: this.itemShape }),
        Object.freeze({ name: 'label', dtype: 'uint8' as const, shape: Object.freeze([]) as readonly number[] }),
      ]);
      this[nativeSource] = new binding.NativeFieldsSource([imageSource, labelSource]);
    }
    if (options.classes !== undefined) {
      const n = options.classes.length;
      const bad = this.labels!.findIndex((l) => l >= n);
      if (bad >= 0) throw new TensorLoaderError('ERR_INVALID_ARG', `IdxDataset: label ${this.labels![bad]} of item ${bad} has no name among the ${n} classes`);
    }
    this.classes = options.classes ? Object.freeze([...options.classes]) : undefined;
    this.cachePaths = Object.freeze(caches.filter((p) => p !== ''));
  }

  get length(): number {
    return this.shape[0]!;
  }

  /** With labels: the uint8 field 'label' fills batch.labels (also once packed). */
  get labelField(): string | undefined {
    return this.fields ? 'label' : undefined;
  }

  /** Packed as its fields (image, and label as the label) with its class names. */
  [storedSchema](): StoredSchema {
    const schema = valueFields(this);
    for (const f of schema.fields) if (f.name === 'label') f.meta = { kind: 'label' };
    if (this.classes) schema.classes = this.classes;
    return schema;
  }

  /** Item `index`: `{ image, label }` with labels, else the row itself. */
  get(index: number): IdxItem<LP> {
    if (!this.fields) return readItem(this as NativeDataset<Uint8Array>, index) as IdxItem<LP>;
    const f = readFields(this, index);
    return { image: f.image as Uint8Array, label: (f.label as Uint8Array)[0]! } as IdxItem<LP>;
  }
}

function readLabels(source: NativeIdxSource): Int32Array {
  const one = new Uint8Array(1);
  const labels = new Int32Array(source.length);
  for (let i = 0; i < labels.length; i++) {
    source.readInto(i, one); // throws the row's ItemError
    labels[i] = one[0]!;
  }
  return labels;
}
