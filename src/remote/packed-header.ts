// The record count of a packed shard from its fixed header (native/core/packed_format.h: magic
// at 0, version at 8, record_count at 32, file_bytes at 24), read from a file or one Range GET.
import { open } from 'node:fs/promises';
import { TensorLoaderError } from '../errors.js';
import { readPrefix, type ProbeOptions } from './probe.js';
import { isRemote } from './transports.js';

export const PACKED_MAGIC = Buffer.from([0x89, 0x54, 0x4c, 0x50, 0x41, 0x43, 0x4b, 0x0a]);
const FIXED_BYTES = 128;

export interface PackedCount {
  records: number;
  fileBytes: number;
}

export function parsePackedCount(where: string, head: Buffer): PackedCount {
  if (head.length < FIXED_BYTES || !head.subarray(0, 8).equals(PACKED_MAGIC)) throw new TensorLoaderError('EFORMAT', `${where}: not a packed shard (no tensorloader magic)`);
  const version = head.readUInt32LE(8);
  if (version !== 1) throw new TensorLoaderError('EFORMAT', `${where}: packed format version ${version}, this reader knows 1`);
  const records = head.readBigUInt64LE(32);
  const fileBytes = head.readBigUInt64LE(24);
  if (records > BigInt(Number.MAX_SAFE_INTEGER) || fileBytes > BigInt(Number.MAX_SAFE_INTEGER)) throw new TensorLoaderError('EFORMAT', `${where}: header counts out of range`);
  return { records: Number(records), fileBytes: Number(fileBytes) };
}

export async function readPrefixOf(location: string, bytes: number, options: ProbeOptions = {}): Promise<Buffer> {
  if (isRemote(location)) return readPrefix(location, bytes, options);
  const fh = await open(location, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export async function packedCount(location: string, options: ProbeOptions = {}): Promise<PackedCount> {
  return parsePackedCount(location, await readPrefixOf(location, FIXED_BYTES, options));
}
