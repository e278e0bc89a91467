// Writes .npy files (format 1.0, little-endian, C order) of typed arrays: inputs for numpy and
// torch references (examples/onnx-inference.ts) and native datasets of known values (tests).
import { readFileSync, writeFileSync } from 'node:fs';

const DESCR = new Map<Function, string>([
  [Float32Array, '<f4'],
  [Int32Array, '<i4'],
  [Uint8Array, '|u1'],
  [Uint16Array, '<u2'],
  [Float64Array, '<f8'],
]);

export function writeNpy(path: string, data: Float32Array | Int32Array | Uint8Array | Uint16Array | Float64Array, shape: number[]): void {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${DESCR.get(data.constructor)!}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1;
  prefix.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

/** The data of a little-endian float32 .npy file numpy wrote (format 1.0). */
export function readNpyFloat32(path: string): Float32Array {
  const raw = readFileSync(path);
  const header = raw.toString('latin1', 10, 10 + raw.readUInt16LE(8));
  if (!header.includes("'<f4'")) throw new Error(`${path}: not a little-endian float32 array`);
  const body = raw.subarray(10 + raw.readUInt16LE(8));
  return new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
}
