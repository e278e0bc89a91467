// CommonJS consumer: `require` resolves to the package's dist/cjs/index.js.
'use strict';
const resolved = require.resolve('tensorloader');
if (!resolved.endsWith('/node_modules/tensorloader/dist/cjs/index.js')) throw new Error(`require resolved to ${resolved}`);
const tl = require('tensorloader');
require('./smoke-lib.cjs')
  .run(tl, 'require', process.cwd())
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
