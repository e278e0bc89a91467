// Worker threads do not inherit the parent's TypeScript loader; register tsx here, then run
// the TypeScript worker named in workerData.script.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.script);
