// `tensorloader pack <source> <out>`: preprocess once into a packed file (or shards).
import { parseArgs } from 'node:util';
import { FITS, type ImagePipelineOptions } from '../datasets/image-options.js';
import { isMapDataset, type MapDataset } from '../js-dataset.js';
import type { NativeDataset } from '../dataset.js';
import { pack } from '../pack/pack.js';
import { formatValue } from '../report/svg.js';
import { fail, parseSize, positiveInt } from './args.js';
import { oneOf } from '../validate.js';
import { datasetFrom } from './source.js';

export const PACK_USAGE = `tensorloader pack <source> <out> [--size HxW] [--fit fill|cover|contain] [--channels 1|3|4]
                  [--encoded] [--shard-size N] [--group-size N] [--skip-errors] [--length N] [--quiet]
  source: an image folder (one sub-folder per class, or flat), an image list (path [label] per line),
          a folder of numeric text files, a .npy array, a packed file, WebDataset tar shards (a .tar,
          a glob or a brace pattern: image + cls fields), or a JS module exporting a dataset
  raw (default): images are stored as uint8 HWC pixels of --size, converted to float CHW when read;
  --encoded keeps each image file's bytes (decoded with the same pipeline when read)`;

export async function packCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      size: { type: 'string' },
      fit: { type: 'string' },
      channels: { type: 'string' },
      encoded: { type: 'boolean', default: false },
      'shard-size': { type: 'string' },
      'group-size': { type: 'string' },
      'skip-errors': { type: 'boolean', default: false },
      length: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 2) fail('give a source and an output file');
  const fit = values.fit === undefined ? undefined : oneOf('--fit', values.fit as ImagePipelineOptions['fit'] & string, FITS, fail);
  const channels = values.channels === undefined ? undefined : (Number(values.channels) as 1 | 3 | 4);
  const source = await datasetFrom(positionals[0]!, {
    // Raw packs store what a training loop converts cheaply at read time: uint8 HWC pixels.
    image: () => ({ size: parseSize(values.size), dtype: 'uint8', layout: 'HWC', ...(fit ? { fit } : {}), ...(channels ? { channels } : {}) }),
    length: positiveInt('--length', values.length),
  });
  if (!isMapDataset(source)) fail(`${positionals[0]} is not a dataset`);
  const result = await pack(source as NativeDataset | MapDataset, positionals[1]!, {
    encoded: values.encoded,
    shardSize: positiveInt('--shard-size', values['shard-size']),
    groupSize: positiveInt('--group-size', values['group-size']),
    onError: values['skip-errors'] ? 'skip' : 'throw',
    progress: !values.quiet,
  });
  for (const e of result.skipped) console.error(`skipped: ${e.message}`);
  if (!values.quiet) {
    const fields = result.fields.map((f) => (f.encoding === 'image' ? `${f.name}: encoded image` : `${f.name}: ${f.dtype}[${f.shape.join(',')}]`)).join(', ');
    console.log(
      `packed ${result.records} records (${fields}) into ${result.paths.length} file(s), ${formatValue(result.bytes, 'bytes')}, in ${result.seconds.toFixed(1)} s` +
        (result.skippedCount ? `; ${result.skippedCount} skipped` : ''),
    );
    for (const p of result.paths) console.log(`  ${p}`);
  }
  return 0;
}
