// Run as a child process by the remote tests: fetches one URL into a cache folder, printing
// "bytes N" as the download advances, so the parent can kill -9 it mid-download.
import { ShardCache } from '../../src/remote/cache.js';

const [dir, url, rate] = process.argv.slice(2) as [string, string, string | undefined];
const cache = new ShardCache({
  dir,
  maxBytes: 1 << 30,
  headers: rate ? { 'x-rate': rate, 'user-agent': 'child' } : { 'user-agent': 'child' },
  onProgress: (e) => process.stdout.write(`bytes ${e.received}\n`),
});
const lease = await cache.acquire(url);
process.stdout.write(`done ${lease.path}\n`);
lease.release();
