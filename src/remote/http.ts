// http:// and https:// shards through Node's own fetch (undici): HEAD for identity, GET with
// Range + If-Range to resume. Every failure becomes a RemoteError the retry loop can judge.
import { RemoteError } from './remote-error.js';
import { IdleTimer, timedBody } from './idle-timer.js';
import type { ReadOptions, ReadResponse, RemoteMeta, Transport } from './transport.js';

function networkError(url: string, e: unknown): unknown {
  if (e instanceof RemoteError) return e;
  if ((e as Error)?.name === 'AbortError' || (e as Error)?.name === 'TimeoutError') return e;
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (e as Error)?.message ?? String(e);
  return new RemoteError('ERR_REMOTE_NETWORK', `connection failed: ${detail}`, { url, attempts: 1, cause: e });
}

function metaOf(headers: Headers, size: number): RemoteMeta {
  return { size, etag: headers.get('etag') ?? undefined, lastModified: headers.get('last-modified') ?? undefined };
}

function lengthOf(url: string, headers: Headers, status: number): number {
  const raw = headers.get('content-length');
  const n = raw === null ? NaN : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RemoteError('ERR_REMOTE_LENGTH', `the response has no usable Content-Length (${raw ?? 'none'}); shards must be served with their size`, { url, status, attempts: 1 });
  }
  return n;
}

async function request(url: string, init: RequestInit, timer: IdleTimer): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: timer.signal, redirect: 'follow' });
  } catch (e) {
    timer[Symbol.dispose]();
    throw networkError(url, timer.reason(e));
  }
  if (!res.ok) {
    timer[Symbol.dispose]();
    await res.body?.cancel().catch(() => undefined);
    throw new RemoteError('ERR_REMOTE_STATUS', res.status === 404 ? 'not found' : `server answered ${res.statusText || res.status}`, { url, status: res.status, attempts: 1 });
  }
  return res;
}

export class HttpTransport implements Transport {
  readonly #headers: Record<string, string>;

  /** `headers` go with every request (an Authorization header, for instance). */
  constructor(headers: Record<string, string> = {}) {
    this.#headers = headers;
  }

  async head(url: string, options: { idleTimeoutMs: number; signal?: AbortSignal | undefined }): Promise<RemoteMeta> {
    const timer = new IdleTimer(url, options.idleTimeoutMs, options.signal);
    try {
      const res = await request(url, { method: 'HEAD', headers: this.#headers }, timer);
      timer[Symbol.dispose]();
      return metaOf(res.headers, lengthOf(url, res.headers, res.status));
    } catch (e) {
      // Presigned URLs are signed for GET only: ask for one byte instead, the total is in Content-Range.
      if (!(e instanceof RemoteError && (e.status === 403 || e.status === 405))) throw e;
      const probe = await this.read(url, { start: 0, end: 0, idleTimeoutMs: options.idleTimeoutMs, signal: options.signal });
      for await (const chunk of probe.body) void chunk;
      if (Number.isNaN(probe.meta.size)) throw new RemoteError('ERR_REMOTE_LENGTH', 'HEAD is refused and the range answer gives no total size', { url, attempts: 1 });
      return probe.meta;
    }
  }

  async read(url: string, o: ReadOptions): Promise<ReadResponse> {
    const timer = new IdleTimer(url, o.idleTimeoutMs, o.signal);
    const headers: Record<string, string> = { ...this.#headers, 'accept-encoding': 'identity' };
    const ranged = o.start > 0 || o.end !== undefined;
    if (ranged) headers.range = `bytes=${o.start}-${o.end ?? ''}`;
    if (ranged && o.ifRange) headers['if-range'] = o.ifRange;
    const res = await request(url, { method: 'GET', headers }, timer);
    const length = lengthOf(url, res.headers, res.status);
    let start = 0;
    let size = length;
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      const first = m ? Number(m[1]) : NaN;
      const last = m ? Number(m[2]) : NaN;
      if (!m || first !== o.start || last - first + 1 !== length) {
        timer[Symbol.dispose]();
        await res.body?.cancel().catch(() => undefined);
        throw new RemoteError('ERR_REMOTE_LENGTH', `Content-Range ${res.headers.get('content-range') ?? 'missing'} does not match the range asked (${o.start}-) and Content-Length ${length}`, { url, status: 206, attempts: 1 });
      }
      start = first;
      size = m[3] === '*' ? NaN : Number(m[3]);
    }
    const body = res.body ? timedBody(res.body as unknown as AsyncIterable<Uint8Array>, timer, (e) => networkError(url, e)) : (timer[Symbol.dispose](), emptyBody());
    return { meta: metaOf(res.headers, size), start, length, body };
  }
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
