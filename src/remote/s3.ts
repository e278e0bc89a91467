// s3://bucket/key shards through @aws-sdk/client-s3: HeadObject for identity, GetObject with
// Range + If-Match to resume (a changed object answers 412, and the cache starts over). The SDK's
// own retries are off: the cache's retry loop counts attempts the same way for every store.
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { RemoteError } from './remote-error.js';
import { IdleTimer, timedBody } from './idle-timer.js';
import type { ReadOptions, ReadResponse, RemoteMeta, Transport } from './transport.js';

export interface S3Options {
  /** A client of your own (its config wins); otherwise one is made from the options below. */
  client?: S3Client;
  /** R2, MinIO, Ceph...: e.g. `https://<account>.r2.cloudflarestorage.com`. */
  endpoint?: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO, Ceph). */
  forcePathStyle?: boolean;
  /** Default: AWS_REGION, else us-east-1 (R2 wants 'auto'). */
  region?: string;
  /** Default: the SDK's standard chain (environment, profile, SSO, web identity, instance role). */
  credentials?: S3ClientConfig['credentials'];
}

export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new RemoteError('ERR_INVALID_ARG', 'an S3 URL looks like s3://bucket/key', { url, attempts: 0 });
  return { bucket: m[1]!, key: m[2]! };
}

function s3Error(url: string, e: unknown): unknown {
  if (e instanceof RemoteError) return e;
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } };
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') return e;
  const status = err?.$metadata?.httpStatusCode ?? err?.$response?.statusCode;
  if (status !== undefined && status >= 300) {
    const what = status === 404 ? 'no such object' : status === 412 ? 'the object changed' : `the store answered ${err?.name ?? status}`;
    return new RemoteError(status === 412 ? 'ERR_REMOTE_CHANGED' : 'ERR_REMOTE_STATUS', what, { url, status, attempts: 1, cause: e });
  }
  return new RemoteError('ERR_REMOTE_NETWORK', `request failed: ${err?.code ?? err?.name ?? ''} ${err?.message ?? String(e)}`.trim(), { url, attempts: 1, cause: e });
}

export class S3Transport implements Transport {
  readonly #options: S3Options;
  #client: Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> | undefined;

  constructor(options: S3Options = {}) {
    this.#options = options;
  }

  // The SDK is loaded on first use, so http-only users never pay for it.
  #sdk(): Promise<{ client: S3Client; sdk: typeof import('@aws-sdk/client-s3') }> {
    this.#client ??= import('@aws-sdk/client-s3').then((sdk) => {
      const o = this.#options;
      const client =
        o.client ??
        new sdk.S3Client({
          region: o.region ?? process.env.AWS_REGION ?? 'us-east-1',
          maxAttempts: 1,
          ...(o.endpoint ? { endpoint: o.endpoint } : {}),
          ...(o.forcePathStyle ? { forcePathStyle: true } : {}),
          ...(o.credentials ? { credentials: o.credentials } : {}),
          // The cache checks sizes itself; stores without checksums (MinIO, R2, nginx) stay quiet.
          responseChecksumValidation: 'WHEN_REQUIRED',
          requestChecksumCalculation: 'WHEN_REQUIRED',
        });
      return { client, sdk };
    });
    return this.#client;
  }

  async head(url: string, options: { idleTimeoutMs: number; signal?: AbortSignal | undefined }): Promise<RemoteMeta> {
    const { bucket, key } = parseS3Url(url);
    const { client, sdk } = await this.#sdk();
    using timer = new IdleTimer(url, options.idleTimeoutMs, options.signal);
    try {
      const r = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: timer.signal });
      if (r.ContentLength === undefined) throw new RemoteError('ERR_REMOTE_LENGTH', 'HeadObject gave no ContentLength', { url, attempts: 1 });
      return { size: r.ContentLength, etag: r.ETag, lastModified: r.LastModified?.toUTCString() };
    } catch (e) {
      throw s3Error(url, timer.reason(e));
    }
  }

  async read(url: string, o: ReadOptions): Promise<ReadResponse> {
    const { bucket, key } = parseS3Url(url);
    const { client, sdk } = await this.#sdk();
    const timer = new IdleTimer(url, o.idleTimeoutMs, o.signal);
    const ranged = o.start > 0 || o.end !== undefined;
    let r;
    try {
      r = await client.send(
        new sdk.GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ...(ranged ? { Range: `bytes=${o.start}-${o.end ?? ''}` } : {}),
          ...(ranged && o.ifRange?.startsWith('"') ? { IfMatch: o.ifRange } : {}),
        }),
        { abortSignal: timer.signal },
      );
    } catch (e) {
      timer[Symbol.dispose]();
      throw s3Error(url, timer.reason(e));
    }
    const length = r.ContentLength;
    let start = 0;
    let size = length ?? NaN;
    if (r.ContentRange) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(r.ContentRange);
      if (!m) {
        timer[Symbol.dispose]();
        throw new RemoteError('ERR_REMOTE_LENGTH', `bad ContentRange ${r.ContentRange}`, { url, status: 206, attempts: 1 });
      }
      start = Number(m[1]);
      size = m[3] === '*' ? NaN : Number(m[3]);
    }
    if (length === undefined || !r.Body) {
      timer[Symbol.dispose]();
      throw new RemoteError('ERR_REMOTE_LENGTH', 'GetObject gave no ContentLength or body', { url, attempts: 1 });
    }
    const body = timedBody(r.Body as AsyncIterable<Uint8Array>, timer, (e) => s3Error(url, e));
    return { meta: { size, etag: r.ETag, lastModified: r.LastModified?.toUTCString() }, start, length, body };
  }
}
