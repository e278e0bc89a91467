// The first bytes of a remote shard with one Range GET (packed headers, tar magic), retried like
// any download, never reading more than asked even from a server that ignores Range.
import { RemoteError } from './remote-error.js';
import { resolveRetry, withRetry, type RetryOptions } from './retry.js';
import { transportFor, type RemoteSourceOptions } from './transports.js';

export interface ProbeOptions extends RemoteSourceOptions {
  retry?: RetryOptions;
  idleTimeoutMs?: number;
}

export async function readPrefix(url: string, bytes: number, options: ProbeOptions = {}): Promise<Buffer> {
  const transport = transportFor(url, options);
  return withRetry(resolveRetry(options.retry), async () => {
    const res = await transport.read(url, { start: 0, end: bytes - 1, idleTimeoutMs: options.idleTimeoutMs ?? 30_000 });
    const chunks: Buffer[] = [];
    let have = 0;
    for await (const chunk of res.body) {
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      have += chunk.byteLength;
      if (have >= bytes) break;  // ends the body (a 200 from a server without Range support)
    }
    const out = Buffer.concat(chunks).subarray(0, bytes);
    if (out.length < Math.min(bytes, res.length)) throw new RemoteError('ERR_REMOTE_LENGTH', `the body ended after ${out.length} of ${bytes} bytes`, { url, attempts: 1 });
    return out;
  });
}
