// Options of the native image pipeline, validated and normalised in one place so both image
// datasets (and later the packer) describe the same pipeline the same way.
import { TensorLoaderError } from '../errors.js';
import type { DType } from '../dataset.js';

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
  /** Decode JPEGs at 1/2, 1/4 or 1/8 scale when the output is at least 4x smaller. Default true. */
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

/** sharp's limitInputPixels default, 0x3FFF × 0x3FFF. */
export const DEFAULT_MAX_PIXELS = 268402689;
/** What one item's decode may use unless the reader says otherwise. */
export const DEFAULT_MAX_ITEM_BYTES = 512 * 1024 * 1024;
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

export function normaliseImageOptions(o: ImagePipelineOptions): NativeImageOptions {
  if (o === undefined || o.size === undefined) bad('size is required, e.g. { size: [64, 64] }');
  const [height, width] = typeof o.size === 'number' ? [o.size, o.size] : o.size;
  for (const v of [height, width]) if (!Number.isInteger(v) || v! < 1 || v! > 16384) bad(`size must be integers in 1..16384, got ${String(o.size)}`);
  const channels = o.channels ?? 3;
  if (![1, 3, 4].includes(channels)) bad(`channels must be 1, 3 or 4, got ${channels}`);
  const dtype = o.dtype ?? 'float32';
  if (!['float32', 'uint8', 'float16'].includes(dtype)) bad(`dtype must be float32, uint8 or float16, got ${dtype}`);
  if (dtype === 'uint8' && (o.scale !== undefined || o.mean !== undefined || o.std !== undefined)) {
    bad('scale, mean and std apply to float dtypes; uint8 gives raw pixels');
  }
  const std = perChannel('std', o.std, channels, 1);
  if (std.some((v) => v <= 0)) bad('std must be positive');
  const rrc = o.randomResizedCrop;
  const rrcScale = (typeof rrc === 'object' && rrc.scale) || [0.08, 1];
  const rrcRatio = (typeof rrc === 'object' && rrc.ratio) || [3 / 4, 4 / 3];
  if (!(rrcScale[0] > 0 && rrcScale[0] <= rrcScale[1] && rrcScale[1] <= 1)) bad('randomResizedCrop.scale must satisfy 0 < lo <= hi <= 1');
  if (!(rrcRatio[0] > 0 && rrcRatio[0] <= rrcRatio[1])) bad('randomResizedCrop.ratio must satisfy 0 < lo <= hi');
  const hflip = o.horizontalFlip ?? 0;
  if (!(hflip >= 0 && hflip <= 1)) bad('horizontalFlip is a probability in [0, 1]');
  const cropFraction = o.cropFraction ?? 1;
  if (!(cropFraction > 0.05 && cropFraction <= 1)) bad('cropFraction must be in (0.05, 1]');
  const fit = o.fit ?? 'fill';
  if (!['fill', 'cover', 'contain'].includes(fit)) bad(`fit must be fill, cover or contain, got ${fit}`);
  const maxPixels = o.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isInteger(maxPixels) && maxPixels >= 1)) bad('maxPixels must be a positive integer');
  const maxItemBytes = o.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  if (!(Number.isSafeInteger(maxItemBytes) && maxItemBytes >= 1)) bad(`maxItemBytes must be a positive integer, got ${String(o.maxItemBytes)}`);
  const failOn = o.failOn ?? 'warning';
  if (!FAIL_ON.includes(failOn)) bad(`failOn must be one of ${FAIL_ON.join(', ')}, got ${String(failOn)}`);
  return {
    height: height!,
    width: width!,
    fit,
    cropFraction,
    channels,
    background: perChannel('background', o.background, 3, 0),
    pad: perChannel('pad', o.pad, channels, 0),
    kernel: o.kernel ?? 'bicubic',
    autorotate: o.autorotate ?? true,
    shrinkOnLoad: o.shrinkOnLoad ?? true,
    maxPixels,
    maxItemBytes,
    failOn,
    dtype,
    scale: o.scale ?? 1 / 255,
    mean: perChannel('mean', o.mean, channels, 0),
    std,
    layout: o.layout ?? 'CHW',
    randomResizedCrop: Boolean(rrc),
    rrcScale: [...rrcScale],
    rrcRatio: [...rrcRatio],
    hflip,
    seed: (o.seed ?? 0) >>> 0,
  };
}

/** Bytes of one item's output (the slot row it fills). */
export function outputBytesOf(o: NativeImageOptions): number {
  return o.height * o.width * o.channels * (o.dtype === 'uint8' ? 1 : o.dtype === 'float16' ? 2 : 4);
}

export function itemShapeOf(o: NativeImageOptions): number[] {
  return o.layout === 'HWC' ? [o.height, o.width, o.channels] : [o.channels, o.height, o.width];
}
