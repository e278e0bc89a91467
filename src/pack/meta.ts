// The JSON a packed file carries for the JS layer: what each field is (an image and the
// pipeline that made or will decode it, a label, plain values), class names, and the source
// kind. Nothing in it depends on where or when the pack ran, so packs are reproducible.
import { TensorLoaderError } from '../errors.js';
import type { ImagePipelineOptions } from '../datasets/image-options.js';

export interface PackFieldMeta {
  kind: 'image' | 'label' | 'values';
  /** Image fields: the pipeline as ImagePipelineOptions (raw: what made the pixels; encoded: what decodes them). */
  pipeline?: ImagePipelineOptions;
}

export interface PackMeta {
  format: 'tensorloader.pack';
  version: 1;
  /** The kind of dataset that was packed (ImageFolderDataset, TextTensorDataset, ...). */
  source: string;
  fields: Record<string, PackFieldMeta>;
  classes?: string[];
}

export function parseMeta(text: string): PackMeta {
  let meta: PackMeta;
  try {
    meta = JSON.parse(text) as PackMeta;
  } catch (e) {
    throw new TensorLoaderError('EFORMAT', `the packed file's meta is not JSON: ${(e as Error).message}`);
  }
  if (typeof meta !== 'object' || meta === null || meta.format !== 'tensorloader.pack' || typeof meta.fields !== 'object') {
    throw new TensorLoaderError('EFORMAT', "the packed file's meta is not tensorloader's");
  }
  return meta;
}
