// The JSON a packed file carries for the JS layer: what each field is (an image and the
// pipeline that made or will decode it, a label, plain values), class names, and the source
// kind. Nothing in it depends on where or when the pack ran, so packs are reproducible.
import { TensorLoaderError } from '../errors.js';
import type { ImagePipelineOptions, NativeImageOptions } from '../datasets/image-options.js';

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

/** A normalised native pipeline back in the public option form (what pack() stores). */
export function pipelineOf(o: NativeImageOptions): ImagePipelineOptions {
  return {
    size: [o.height, o.width],
    fit: o.fit as ImagePipelineOptions['fit'],
    cropFraction: o.cropFraction,
    channels: o.channels as 1 | 3 | 4,
    background: o.background,
    pad: o.pad,
    kernel: o.kernel as ImagePipelineOptions['kernel'],
    autorotate: o.autorotate,
    shrinkOnLoad: o.shrinkOnLoad,
    maxPixels: o.maxPixels,
    dtype: o.dtype,
    ...(o.dtype === 'uint8' ? {} : { scale: o.scale, mean: o.mean, std: o.std }),
    layout: o.layout as 'CHW' | 'HWC',
    randomResizedCrop: o.randomResizedCrop ? { scale: o.rrcScale as [number, number], ratio: o.rrcRatio as [number, number] } : false,
    horizontalFlip: o.hflip,
    seed: o.seed,
  };
}
