// Shard patterns as WebDataset writes them: `train-{0000..0099}.tar` (a zero-padded range, width
// from the first bound) and `{a,b}` lists, expanded left to right, bounded so a typo cannot make
// a billion names.
import { TensorLoaderError } from '../errors.js';

const MAX_NAMES = 1_000_000;

export function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + m[0].length);
  const body = m[1]!;
  let options: string[];
  const range = /^(\d+)\.\.(\d+)$/.exec(body);
  if (range) {
    const [lo, hi] = [Number(range[1]), Number(range[2])];
    if (hi < lo) throw new TensorLoaderError('ERR_INVALID_ARG', `the range {${body}} in ${pattern} runs backwards`);
    if (hi - lo + 1 > MAX_NAMES) throw new TensorLoaderError('ERR_INVALID_ARG', `{${body}} in ${pattern} names more than ${MAX_NAMES} shards`);
    const width = range[1]!.length;
    options = Array.from({ length: hi - lo + 1 }, (_, i) => String(lo + i).padStart(width, '0'));
  } else if (body.includes(',')) {
    options = body.split(',');
  } else {
    throw new TensorLoaderError('ERR_INVALID_ARG', `{${body}} in ${pattern} is neither a range {000..099} nor a list {a,b}`);
  }
  const rest = expandBraces(tail);
  if (options.length * rest.length > MAX_NAMES) throw new TensorLoaderError('ERR_INVALID_ARG', `${pattern} names more than ${MAX_NAMES} shards`);
  return options.flatMap((o) => rest.map((r) => head + o + r));
}
