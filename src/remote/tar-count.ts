// Counts WebDataset samples in a tar stream from its headers alone (member data is skipped, not
// kept): a sample is a run of consecutive regular members sharing a key, the directory plus the
// name up to the first dot of its last component; names starting with "__" and non-regular
// members are skipped. Long names from GNU 'L' records and PAX 'path' records are honoured.
import { TensorLoaderError } from '../errors.js';

const BLOCK = 512;
const MAX_LONG_NAME = 1 << 16;

function octal(where: string, b: Buffer): number {
  if (b[0]! & 0x80) {
    // GNU base-256 for sizes over 8 GiB.
    let v = 0;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = b.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new TensorLoaderError('EFORMAT', `${where}: bad tar size field '${s}'`);
  return parseInt(s, 8);
}

const cstr = (b: Buffer): string => b.toString('utf8').replace(/\0.*$/s, '');

export function sampleKey(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  const base = name.slice(slash + 1);
  if (base.startsWith('__') || base === '') return undefined;
  const dot = base.indexOf('.');
  return name.slice(0, slash + 1) + (dot < 0 ? base : base.slice(0, dot));
}

/** Samples and regular members in the tar read from `body`. `where` names it in errors. */
export async function countTarSamples(where: string, body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ samples: number; members: number }> {
  let buf = Buffer.alloc(0);
  let skip = 0;
  let pending: { kind: 'gnu' | 'pax'; size: number } | undefined;
  let longName: string | undefined;
  let lastKey: string | undefined;
  let samples = 0;
  let members = 0;
  let ended = false;
  const header = (h: Buffer): void => {
    if (h.every((x) => x === 0)) {
      ended = true;
      return;
    }
    const magic = h.subarray(257, 262).toString('latin1');
    if (magic !== 'ustar') throw new TensorLoaderError('EFORMAT', `${where}: not a tar member header (no ustar magic)`);
    // The checksum is the sum of all header bytes with its own field read as spaces.
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== octal(where, h.subarray(148, 156))) throw new TensorLoaderError('EFORMAT', `${where}: tar header checksum mismatch`);
    const size = octal(where, h.subarray(124, 136));
    const type = String.fromCharCode(h[156]!);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L' || type === 'x') {
      if (size > MAX_LONG_NAME) throw new TensorLoaderError('EFORMAT', `${where}: a long-name record of ${size} bytes`);
      pending = { kind: type === 'L' ? 'gnu' : 'pax', size };
      return;
    }
    const prefix = cstr(h.subarray(345, 500));
    const name = longName ?? (prefix ? `${prefix}/${cstr(h.subarray(0, 100))}` : cstr(h.subarray(0, 100)));
    longName = undefined;
    skip = padded;
    if (type !== '0' && type !== '\0' && type !== '7') return;
    members++;
    const key = sampleKey(name);
    if (key === undefined) return;
    if (key !== lastKey) samples++;
    lastKey = key;
  };
  for await (const chunk of body) {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (data.length > 0 && !ended) {
      if (skip > 0) {
        const n = Math.min(skip, data.length);
        skip -= n;
        data = data.subarray(n);
        continue;
      }
      const want = pending ? Math.ceil(pending.size / BLOCK) * BLOCK : BLOCK;
      const take = Math.min(want - buf.length, data.length);
      buf = Buffer.concat([buf, data.subarray(0, take)]);
      data = data.subarray(take);
      if (buf.length < want) continue;
      if (pending) {
        const text = buf.subarray(0, pending.size);
        if (pending.kind === 'gnu') longName = cstr(text);
        else {
          const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text.toString('utf8'));
          if (path) longName = path[1]!;
        }
        pending = undefined;
      } else {
        header(buf);
      }
      buf = Buffer.alloc(0);
    }
    if (ended) break;
  }
  if (!ended && (skip > 0 || buf.length > 0 || pending)) throw new TensorLoaderError('EFORMAT', `${where}: the tar ends inside a member (truncated)`);
  return { samples, members };
}
