// The directory of the compiled module, for locating the package root (prebuilds/, build/).
// This is the ES module variant (dist/, and src/ under tsx or vitest). The CommonJS build
// (tsconfig.cjs.json) compiles module-dir.cjs.ts in its place, because `import.meta` does not
// exist in CommonJS and `__dirname` does not exist in ES modules.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const moduleDir: string = dirname(fileURLToPath(import.meta.url));
