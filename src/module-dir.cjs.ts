// The CommonJS variant of module-dir.ts: tsconfig.cjs.json resolves `./module-dir.js` to this
// file (moduleSuffixes) and scripts/build-ts.mjs renames its output to dist/cjs/module-dir.js.
export const moduleDir: string = __dirname;
