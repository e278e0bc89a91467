// A real nginx for remote tests: started on 127.0.0.1 on a free port with a generated config in
// a temp folder (pid, logs and temp paths inside it), serving `root`; `daemon off` under a child
// process that stop() kills. Requests carrying `x-rate` / `x-rate-after` headers are throttled by
// nginx's limit_rate (stalls, slow downloads); /down/ always answers 503; /nohead/ serves the
// same files but refuses HEAD (as a URL presigned for GET does).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Nginx {
  url: string;
  port: number;
  /** Access log lines so far: method, path as requested (no query), status, bytes sent, Range header, User-Agent. */
  log(): Array<{ method: string; uri: string; status: number; bytes: number; range: string; agent: string }>;
  /**
   * The log once it has stopped growing for a moment (at most 5 s): nginx writes a request's
   * line after the response has gone out, so a client can be done before its line is in the file.
   */
  settledLog(): Promise<ReturnType<Nginx['log']>>;
  stop(): Promise<void>;
}

/**
 * The environment for programs that are not node (nginx, python3, tar): without the sanitizer
 * runtime that `npm run test:asan` preloads into node, whose leak check would report theirs.
 */
export function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['LD_PRELOAD', 'ASAN_OPTIONS', 'LSAN_OPTIONS', 'UBSAN_OPTIONS']) delete env[k];
  return env;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function config(dir: string, root: string, port: number): string {
  const tmp = (n: string) => `${n}_temp_path ${join(dir, 'tmp', n)};`;
  return `daemon off;
master_process off;
worker_processes 1;
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 512; }
http {
  log_format tl '$request_method\\t$request_uri\\t$status\\t$body_bytes_sent\\t$http_range\\t$http_user_agent';
  access_log ${join(dir, 'access.log')} tl;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(tmp).join('\n  ')}
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 10;
  map $http_x_rate $tl_rate { default 0; ~^[0-9]+[km]?$ $http_x_rate; }
  map $http_x_rate_after $tl_after { default 0; ~^[0-9]+[km]?$ $http_x_rate_after; }
  server {
    listen 127.0.0.1:${port};
    root ${root};
    limit_rate $tl_rate;
    limit_rate_after $tl_after;
    location /down/ { return 503; }
    location /nohead/ {
      if ($request_method = HEAD) { return 405; }
      rewrite ^/nohead/(.*)$ /$1 break;
    }
  }
}
`;
}

/** Starts nginx serving `root`; resolves once it answers. */
export async function startNginx(root: string): Promise<Nginx> {
  for (let attempt = 0; ; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'tl-nginx-'));
    mkdirSync(join(dir, 'tmp'));
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), config(dir, root, port));
    const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore', env: plainEnv() });
    let exited = false;
    let spawnError = '';
    child.on('exit', () => (exited = true));
    child.on('error', (e) => {
      exited = true;
      spawnError = `${e.message} (apt-get install nginx; .ci/run installs it)`;
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    let up = false;
    while (!exited && Date.now() < deadline) {
      try {
        await fetch(`${url}/__tl_ready__`).then((r) => r.body?.cancel());
        up = true;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!up) {
      child.kill('SIGKILL');
      const err = spawnError || (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
      rmSync(dir, { recursive: true, force: true });
      if (attempt < 3 && /in use/.test(err)) continue;  // the free port was taken meanwhile
      throw new Error(`nginx did not start: ${err}`);
    }
    const accessLog = join(dir, 'access.log');
    const log = () =>
      readFileSync(accessLog, 'utf8')
        .split('\n')
        .filter((l) => l && !l.includes('__tl_ready__'))
        .map((l) => {
          const [method, uri, status, bytes, range, agent] = l.split('\t');
          return { method: method!, uri: uri!.split('?')[0]!, status: Number(status), bytes: Number(bytes), range: range === '-' ? '' : range!, agent: agent ?? '' };
        });
    return {
      url,
      port,
      log,
      settledLog: async () => {
        const deadline = Date.now() + 5000;
        let size = statSync(accessLog).size;
        let quietSince = Date.now();
        while (Date.now() - quietSince < 250 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 25));
          const now = statSync(accessLog).size;
          if (now !== size) [size, quietSince] = [now, Date.now()];
        }
        return log();
      },
      stop: async () => {
        if (!exited) {
          const gone = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await gone;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
