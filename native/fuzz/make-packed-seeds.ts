// Writes the seed corpus of the packed_format fuzz target: small packed files made by pack()
// (one field, two fields, two shards). Run from the repository root:
//   node --import tsx native/fuzz/make-packed-seeds.ts
// pack() is deterministic, so rerunning rewrites the same bytes.
import { pack } from '../../src/index.js';

const dir = 'native/fuzz/corpus/packed_format';
await pack({ length: 3, get: (i: number) => ({ x: Float32Array.of(i, i + 0.5), label: i }) }, `${dir}/two-fields.tlpack`);
await pack({ length: 2, get: (i: number) => Uint8Array.of(i, 1, 2, 3) }, `${dir}/one-field.tlpack`);
await pack({ length: 4, get: (i: number) => BigInt64Array.of(BigInt(i)) }, `${dir}/shards.tlpack`, { shardSize: 2 });
