// Reading and rewriting the bytes of a packed file in tests: the header fields by offset (see
// native/core/packed_format.h) and CRC-32C, so a test can craft a hostile file whose checksum
// is right and make sure the bounds checks, not the checksum, catch it.
import { readFileSync, writeFileSync } from 'node:fs';

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const b of bytes) c = (TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)) >>> 0;
  return ~c >>> 0;
}

export interface Layout {
  headerBytes: number;
  fileBytes: number;
  records: number;
  fields: number;
  metaBytes: number;
  indexOffset: number;
  indexBytes: number;
  dataOffset: number;
}

export function layoutOf(buf: Buffer): Layout {
  const headerBytes = Number(buf.readBigUInt64LE(16));
  return {
    headerBytes,
    fileBytes: Number(buf.readBigUInt64LE(24)),
    records: Number(buf.readBigUInt64LE(32)),
    indexOffset: Number(buf.readBigUInt64LE(56)),
    indexBytes: Number(buf.readBigUInt64LE(64)),
    fields: buf.readUInt32LE(88),
    metaBytes: buf.readUInt32LE(92),
    dataOffset: Math.ceil(headerBytes / 4096) * 4096,
  };
}

/** Index entry (record, field): { offset, length, crc } and where it lives in the file. */
export function entryOf(buf: Buffer, record: number, field: number): { at: number; offset: number; length: number; crc: number } {
  const l = layoutOf(buf);
  const at = l.indexOffset + (record * l.fields + field) * 16;
  return { at, offset: Number(buf.readBigUInt64LE(at)), length: buf.readUInt32LE(at + 8), crc: buf.readUInt32LE(at + 12) };
}

/** Recomputes the header+index CRC after an edit, so only deeper checks can catch it. */
export function resealHeader(buf: Buffer): void {
  const l = layoutOf(buf);
  const crc = crc32c(buf.subarray(l.indexOffset, l.indexOffset + l.indexBytes), crc32c(buf.subarray(16, l.headerBytes)));
  buf.writeUInt32LE(crc, 12);
}

export function editFile(path: string, edit: (buf: Buffer) => Buffer | void): void {
  const buf = readFileSync(path);
  writeFileSync(path, edit(buf) ?? buf);
}
