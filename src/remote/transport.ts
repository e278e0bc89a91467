// What the cache needs from a remote store, whatever the protocol: a shard's identity (size,
// ETag, Last-Modified) and its bytes from an offset on. http.ts and s3.ts implement it.
export interface RemoteMeta {
  size: number;
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export interface ReadOptions {
  /** First byte wanted; the response may start at 0 instead if the shard changed. */
  start: number;
  /** Last byte wanted, inclusive; default the end of the shard. */
  end?: number | undefined;
  /** The validator the partial bytes came from: the store sends the whole shard if it no longer matches. */
  ifRange?: string | undefined;
  /** No byte for this long fails the read with ERR_REMOTE_TIMEOUT. */
  idleTimeoutMs: number;
  signal?: AbortSignal | undefined;
}

export interface ReadResponse {
  meta: RemoteMeta;
  /** Offset in the shard of the body's first byte. */
  start: number;
  /** Bytes the body must hold. */
  length: number;
  body: AsyncIterable<Uint8Array>;
}

export interface Transport {
  head(url: string, options: { idleTimeoutMs: number; signal?: AbortSignal | undefined }): Promise<RemoteMeta>;
  read(url: string, options: ReadOptions): Promise<ReadResponse>;
}

/** Whether two identities name the same bytes: size, and the strongest validator both have. */
export function sameShard(a: RemoteMeta, b: RemoteMeta): boolean {
  if (a.size !== b.size) return false;
  if (a.etag && b.etag) return a.etag === b.etag;
  if (a.lastModified && b.lastModified) return a.lastModified === b.lastModified;
  return true;
}

/** The validator to send in If-Range / If-Match: a strong ETag, else Last-Modified (HTTP allows it in If-Range). */
export function validatorOf(meta: RemoteMeta): string | undefined {
  if (meta.etag && !meta.etag.startsWith('W/')) return meta.etag;
  return meta.lastModified;
}
