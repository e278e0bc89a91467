// The one schema of the image pipeline's options: the public form, its defaults, the checked
// form the native source takes, and the way back (what pack() records), so the image datasets,
// packed image fields and pack() describe the same pipeline the same way.
import { TensorLoaderError } from '../errors.js';
import type { DType } from '../dataset.js';
import { oneOf, positiveInt } from '../validate.js';

export interface ImagePipelineOptions {
  /** Output size [height, width]. Required. */
  size: readonly [number, number] | number;
  /**
   * How the image is fitted to `size`: 'fill' stretches (the seed's `resize((64, 64))`),
   * 'cover' resizes so the image covers `size` then centre-crops (torchvision's Resize + CenterCrop),
   * 'contain' letterboxes inside `size`, padding with `pad`. Default 'fill'.
   */
  fit?: 'fill' | 'cover' | 'contain';
  /**
   * 'cover' only: the crop is this fraction of the resized image. 0.875 = torchvision's
   * Resize(256) + CenterCrop(224). Default 1 (crop exactly the covering size).
   */
  cropFraction?: number;
  /** 3 = RGB (default), 1 = luma as PIL's convert('L'), 4 = RGBA (alpha kept, or 255 when absent). */
  channels?: 1 | 3 | 4;
  /** Background that alpha is flattened onto when channels is not 4, 0..255 per channel. Default black. */
  background?: number | readonly number[];
  /** 'contain' only: value of the letterbox bars, 0..255 per channel. Default 0. */
  pad?: number | readonly number[];
  /**
   * Resampling filter, computed as Pillow computes it (separable, antialiased when shrinking,
   * 8-bit fixed point): 'nearest', 'box', 'bilinear', 'hamming', 'bicubic' (default, a = -0.5,
   * the default of PIL's Image.resize and so of the seed's pipeline) or 'lanczos' (a = 3).
   */
  kernel?: 'nearest' | 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';
  /** Apply the EXIF orientation. Default true. */
  autorotate?: boolean;
  /**
   * Fast JPEG decoding: decode at the smallest DCT scale of 1/8, 2/8, 4/8 that still leaves the
   * pixels the resize needs, else in full (see the README's JPEG decoding section for what it
   * costs). false decodes every JPEG in full, bit-exact with PIL. Default true.
   */
  shrinkOnLoad?: boolean;
  /** Images with more pixels than this are refused from their header, before decoding. Default 268402689 (sharp's). */
  maxPixels?: number;
  /**
   * The most memory one item's decode may use: the decoded image as its header declares it
   * (width × height × bands × bytes per band; the direct PNG decoder counts its inflated rows
   * too). Checked against the header before any pixel buffer exists: ETOOLARGE above it. A
   * DataLoader lowers it further to its `memoryBudget` / `threads`. Default 512 MiB.
   */
  maxItemBytes?: number;
  /**
   * How strict libvips' decoders are (its fail_on): 'warning' (default, as sharp) fails an item
   * on any decoder warning, which is how truncated or corrupt JPEGs show (a SOF declaring more
   * pixels than the data holds, a bogus marker); 'error' fails only on decoder errors (a cut
   * JPEG then decodes with grey rows); 'truncated' only on truncated data; 'none' never, decoding
   * what it can. Images the direct PNG decoder takes always fail on corrupt or cut data.
   */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /** Element type: 'float32' (default), 'uint8' (raw pixels), 'float16' (raw half bits in a Uint16Array). */
  dtype?: DType;
  /** Floats only: value = (pixel * scale - mean[c]) / std[c]. Default scale 1/255, mean 0, std 1. */
  scale?: number;
  mean?: number | readonly number[];
  std?: number | readonly number[];
  /** 'CHW' (default, PyTorch's) or 'HWC'. */
  layout?: 'CHW' | 'HWC';
  /**
   * Seeded random resized crop (torchvision's RandomResizedCrop): true, or its `scale` and
   * `ratio` ranges. Replaces `fit`. Deterministic for a given (seed, epoch, index).
   */
  randomResizedCrop?: boolean | { scale?: readonly [number, number]; ratio?: readonly [number, number] };
  /** Probability of a horizontal flip, seeded like the crop. Default 0. */
  horizontalFlip?: number;
  /** Seed of the augmentation. Default 0. */
  seed?: number;
}

/** What the native NativeImageSource constructor takes. */
export interface NativeImageOptions {
  height: number;
  width: number;
  fit: string;
  cropFraction: number;
  channels: number;
  background: number[];
  pad: number[];
  kernel: string;
  autorotate: boolean;
  shrinkOnLoad: boolean;
  maxPixels: number;
  maxItemBytes: number;
  failOn: 'none' | 'truncated' | 'error' | 'warning';
  dtype: DType;
  scale: number;
  mean: number[];
  std: number[];
  layout: string;
  randomResizedCrop: boolean;
  rrcScale: number[];
  rrcRatio: number[];
  hflip: number;
  seed: number;
}

/**
 * Every default of the pipeline, in one place: what an option left out means, for the image
 * datasets, for packed image fields and for pack()'s meta. (The native side validates what it
 * receives; it does not fill anything in.)
 */
export const IMAGE_DEFAULTS = Object.freeze({
  fit: 'fill',
  cropFraction: 1,
  channels: 3,
  background: 0,
  pad: 0,
  kernel: 'bicubic',
  autorotate: true,
  shrinkOnLoad: true,
  /** sharp's limit. */
  maxPixels: 268402689,
  /** What one item's decode may use unless the reader says otherwise (see maxItemBytes). */
  maxItemBytes: 512 * 1024 * 1024,
  failOn: 'warning',
  dtype: 'float32',
  scale: 1 / 255,
  mean: 0,
  std: 1,
  layout: 'CHW',
  randomResizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] },
  horizontalFlip: 0,
  seed: 0,
} as const);

/** Every option of the image pipeline (ImagePipelineOptions' keys). */
export const IMAGE_OPTION_KEYS: readonly string[] = Object.freeze([
  'size', 'fit', 'cropFraction', 'channels', 'background', 'pad', 'kernel', 'autorotate', 'shrinkOnLoad', 'maxPixels',
  'maxItemBytes', 'failOn', 'dtype', 'scale', 'mean', 'std', 'layout', 'randomResizedCrop', 'horizontalFlip', 'seed',
]);

/**
 * The user's pipeline options, checked for ones their `fit` makes meaningless (cropFraction is
 * for 'cover', pad for 'contain'): an error instead of an option silently ignored. Not part of
 * normaliseImageOptions, whose input may be a stored pipeline (every key filled in).
 */
export function checkImageOptionsApply(who: string, o: Partial<ImagePipelineOptions> | undefined): void {
  if (o === undefined || o === null) return;
  const fit = o.fit ?? IMAGE_DEFAULTS.fit;
  if (o.cropFraction !== undefined && fit !== 'cover') bad(`${who}: cropFraction applies to fit 'cover' (fit is '${fit}')`);
  if (o.pad !== undefined && fit !== 'contain') bad(`${who}: pad applies to fit 'contain' (fit is '${fit}')`);
}

export const FITS = ['fill', 'cover', 'contain'] as const;
const CHANNELS = [1, 3, 4] as const;
const DTYPES = ['float32', 'uint8', 'float16'] as const;
const FAIL_ON = ['none', 'truncated', 'error', 'warning'] as const;

function bad(message: string): never {
  throw new TensorLoaderError('ERR_INVALID_ARG', `image options: ${message}`);
}

function perChannel(name: string, value: number | readonly number[] | undefined, channels: number, fallback: number): number[] {
  if (value === undefined) return new Array(channels).fill(fallback);
  const list = typeof value === 'number' ? [value] : [...value];
  if (list.length === 1) return new Array(channels).fill(list[0]);
  if (list.length !== channels || list.some((v) => !Number.isFinite(v))) bad(`${name} needs 1 or ${channels} finite numbers`);
  return list;
}

/** The public options, checked, with every default filled in: what the native source takes. */
export function normaliseImageOptions(o: ImagePipelineOptions): NativeImageOptions {
  const d = IMAGE_DEFAULTS;
  if (o === undefined || o.size === undefined) bad('size is required, e.g. { size: [64, 64] }');
  const [height, width] = typeof o.size === 'number' ? [o.size, o.size] : o.size;
  for (const v of [height, width]) if (!Number.isInteger(v) || v! < 1 || v! > 16384) bad(`size must be integers in 1..16384, got ${String(o.size)}`);
  const channels = oneOf('channels', o.channels ?? d.channels, CHANNELS, bad);
  if (channels === 4 && o.background !== undefined) bad('background is what alpha is flattened onto (channels 1 or 3); channels 4 keeps alpha');
  const dtype = oneOf('dtype', o.dtype ?? d.dtype, DTYPES as readonly DType[], bad);
  if (dtype === 'uint8' && (o.scale !== undefined || o.mean !== undefined || o.std !== undefined)) {
    bad('scale, mean and std apply to float dtypes; uint8 gives raw pixels');
  }
  const std = perChannel('std', o.std, channels, d.std);
  if (std.some((v) => v <= 0)) bad('std must be positive');
  const rrc = o.randomResizedCrop;
  const rrcScale = (typeof rrc === 'object' && rrc.scale) || d.randomResizedCrop.scale;
  const rrcRatio = (typeof rrc === 'object' && rrc.ratio) || d.randomResizedCrop.ratio;
  if (!(rrcScale[0] > 0 && rrcScale[0] <= rrcScale[1] && rrcScale[1] <= 1)) bad('randomResizedCrop.scale must satisfy 0 < lo <= hi <= 1');
  if (!(rrcRatio[0] > 0 && rrcRatio[0] <= rrcRatio[1])) bad('randomResizedCrop.ratio must satisfy 0 < lo <= hi');
  const hflip = o.horizontalFlip ?? d.horizontalFlip;
  if (!(hflip >= 0 && hflip <= 1)) bad('horizontalFlip is a probability in [0, 1]');
  const cropFraction = o.cropFraction ?? d.cropFraction;
  if (!(cropFraction > 0.05 && cropFraction <= 1)) bad('cropFraction must be in (0.05, 1]');
  const maxItemBytes = o.maxItemBytes ?? d.maxItemBytes;
  if (!(Number.isSafeInteger(maxItemBytes) && maxItemBytes >= 1)) bad(`maxItemBytes must be a positive integer, got ${String(o.maxItemBytes)}`);
  return {
    height: height!,
    width: width!,
    fit: oneOf('fit', o.fit ?? d.fit, FITS, bad),
    cropFraction,
    channels,
    background: perChannel('background', o.background, 3, d.background),
    pad: perChannel('pad', o.pad, channels, d.pad),
    kernel: o.kernel ?? d.kernel,
    autorotate: o.autorotate ?? d.autorotate,
    shrinkOnLoad: o.shrinkOnLoad ?? d.shrinkOnLoad,
    maxPixels: positiveInt('maxPixels', o.maxPixels ?? d.maxPixels, bad),
    maxItemBytes,
    failOn: oneOf('failOn', o.failOn ?? d.failOn, FAIL_ON, bad),
    dtype,
    scale: o.scale ?? d.scale,
    mean: perChannel('mean', o.mean, channels, d.mean),
    std,
    layout: o.layout ?? d.layout,
    randomResizedCrop: Boolean(rrc),
    rrcScale: [...rrcScale],
    rrcRatio: [...rrcRatio],
    hflip,
    seed: (o.seed ?? d.seed) >>> 0,
  };
}

/** A normalised pipeline back in the public option form (what pack() stores in its meta). */
export function pipelineOf(o: NativeImageOptions): ImagePipelineOptions {
  return {
    size: [o.height, o.width],
    fit: o.fit as ImagePipelineOptions['fit'],
    cropFraction: o.cropFraction,
    channels: o.channels as 1 | 3 | 4,
    ...(o.channels === 4 ? {} : { background: o.background }),
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

/** Bytes of one item's output (the slot row it fills). */
export function outputBytesOf(o: NativeImageOptions): number {
  return o.height * o.width * o.channels * (o.dtype === 'uint8' ? 1 : o.dtype === 'float16' ? 2 : 4);
}

export function itemShapeOf(o: NativeImageOptions): number[] {
  return o.layout === 'HWC' ? [o.height, o.width, o.channels] : [o.channels, o.height, o.width];
}
