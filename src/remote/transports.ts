// Which store a URL names: http(s):// through fetch, s3:// through the AWS SDK.
import { HttpTransport } from './http.js';
import { RemoteError } from './remote-error.js';
import { S3Transport, type S3Options } from './s3.js';
import type { Transport } from './transport.js';

export interface RemoteSourceOptions {
  /** Sent with every HTTP(S) request (an Authorization header, for instance). */
  headers?: Record<string, string>;
  /** How s3:// URLs are reached. */
  s3?: S3Options;
}

export function isRemote(source: string): boolean {
  return /^(https?|s3):\/\//i.test(source);
}

export function transportFor(url: string, options: RemoteSourceOptions): Transport {
  if (/^https?:\/\//i.test(url)) return new HttpTransport(options.headers);
  if (/^s3:\/\//i.test(url)) return new S3Transport(options.s3);
  throw new RemoteError('ERR_INVALID_ARG', 'not a remote URL (http://, https:// or s3://)', { url, attempts: 0 });
}
