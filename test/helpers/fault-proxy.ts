// Faults nginx cannot make by itself, in front of it: answer 503 for the first N requests of a
// path, cut a body halfway and drop the connection, or announce a Content-Length shorter than the
// shard. Everything else is passed to nginx untouched (Range, If-Range and all).
import { createServer, request, type Server } from 'node:http';

export type Fault = '503' | 'cut' | 'short';

export interface FaultProxy {
  url: string;
  /** Faults for the next GETs of `path`, in order; later GETs pass through. */
  inject(path: string, faults: Fault[]): void;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const plans = new Map<string, Fault[]>();
  const target = new URL(upstream);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const fault = req.method === 'GET' ? plans.get(path)?.shift() : undefined;
    if (fault === '503') {
      res.writeHead(503, { 'content-length': '0' }).end();
      return;
    }
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (u) => {
      const headers = { ...u.headers };
      const length = Number(u.headers['content-length'] ?? 0);
      if (fault === 'short') headers['content-length'] = String(Math.max(0, length - 100));
      res.writeHead(u.statusCode ?? 502, headers);
      if (fault === 'cut') {
        let sent = 0;
        u.on('data', (chunk: Buffer) => {
          if (sent >= length / 2) return;
          res.write(chunk.subarray(0, Math.max(0, Math.floor(length / 2) - sent)));
          sent += chunk.length;
          if (sent >= length / 2) {
            u.destroy();
            setTimeout(() => res.socket?.destroy(), 20);
          }
        });
      } else if (fault === 'short') {
        let left = Math.max(0, length - 100);
        u.on('data', (chunk: Buffer) => {
          if (left > 0) res.write(chunk.subarray(0, left));
          left -= Math.min(left, chunk.length);
        });
        u.on('end', () => res.end());
      } else {
        u.pipe(res);
      }
    });
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    inject: (path, faults) => plans.set(path, [...faults]),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
