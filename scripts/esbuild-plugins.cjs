// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
//
// zod's classic API carries parts AlertWarden never uses at run time: all of its ~60
// error-message locales through `z.locales` (about 260 KB of a 550 KB minified handler; our
// messages are our own, in English, zod's default locale), and `z.fromJSONSchema` (12 KB; the
// pipeline validates with schemas written in TypeScript). The bundles get English only and a
// `fromJSONSchema` that says it was left out.
const path = require('node:path');

const ZOD = `${path.sep}node_modules${path.sep}zod${path.sep}`;
const REPLACED = {
  '../locales/index.js': (dir) => `export { default as en } from ${JSON.stringify(path.join(dir, '..', 'locales', 'en.js'))};`,
  './from-json-schema.js': () =>
    "export function fromJSONSchema() { throw new Error('z.fromJSONSchema is not bundled with AlertWarden (scripts/esbuild-plugins.cjs)'); }",
};

const zodRuntimeOnly = {
  name: 'zod-runtime-only',
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(REPLACED).map((k) => k.replace(/[.]/g, '\\.')).join('|')})$`);
    build.onResolve({ filter }, (args) =>
      args.importer.includes(ZOD) ? { path: path.join(path.dirname(args.importer), args.path), namespace: 'zod-runtime-only', pluginData: args.path } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-runtime-only' }, (args) => ({
      contents: REPLACED[args.pluginData](path.dirname(args.path)),
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

module.exports = [zodRuntimeOnly];
