// ESM consumer: `import` resolves to the package's dist/index.js.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as tl from 'tensorloader';
import lib from './smoke-lib.cjs';

const resolved = fileURLToPath(import.meta.resolve('tensorloader'));
if (!resolved.endsWith('/node_modules/tensorloader/dist/index.js')) throw new Error(`import resolved to ${resolved}`);
if (createRequire(import.meta.url).resolve('tensorloader') === resolved) throw new Error('import and require resolve to the same file');
await lib.run(tl, 'import', process.cwd());
