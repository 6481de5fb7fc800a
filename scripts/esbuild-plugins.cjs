// esbuild plugins for the Lambda bundles (serverless.yml custom.esbuild.plugins).
//
// zod's classic API carries parts AlertWarden never uses at run time: all of its ~60
// error-message locales through `z.locales` (about 260 KB of a 550 KB minified handler; our
// messages are our own, in English, zod's default locale), `z.fromJSONSchema` (12 KB; the
// pipeline validates with schemas written in TypeScript), and JSON Schema generation, which every
// classic schema links through its `toJSONSchema()` method (18 KB; `npm run schema` writes the
// published schemas from the sources, not from a bundle). The bundles get English only, and
// stand-ins that say what was left out; `aggregateChecks` stays (a schema's `minLength` and such
// read it).
const fs = require('node:fs');
const path = require('node:path');

const ZOD = `${path.sep}node_modules${path.sep}zod${path.sep}`;
const notBundled = (what) => `(() => { throw new Error(${JSON.stringify(`${what} is not bundled with AlertWarden (scripts/esbuild-plugins.cjs)`)}); })`;
/** The names a zod module exports (`export function x`, `export const x =`). */
const exportsOf = (file) => [...fs.readFileSync(file, 'utf8').matchAll(/^export (?:function|const) (\w+)/gm)].map((m) => m[1]);
const REPLACED = {
  '../locales/index.js': (dir) => `export { default as en } from ${JSON.stringify(path.join(dir, '..', 'locales', 'en.js'))};`,
  './from-json-schema.js': () =>
    "export function fromJSONSchema() { throw new Error('z.fromJSONSchema is not bundled with AlertWarden (scripts/esbuild-plugins.cjs)'); }",
  '../core/json-schema-processors.js': (dir) => {
    const real = path.join(dir, '..', 'core', 'json-schema-processors.js');
    const stubs = exportsOf(real).filter((name) => name !== 'aggregateChecks');
    return `export { aggregateChecks } from ${JSON.stringify(real)};\n${stubs.map((name) => `export const ${name} = ${notBundled('JSON Schema generation (zod)')};`).join('\n')}`;
  },
  '../core/to-json-schema.js': () =>
    ['createToJSONSchemaMethod', 'createStandardJSONSchemaMethod'].map((name) => `export const ${name} = () => ${notBundled('JSON Schema generation (zod)')};`).join('\n'),
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

// serverless-esbuild builds each function alone (package.individually) into one shared folder and
// zips everything there except the OTHER functions' entry files and what starts with their name
// and a dot (foo.mjs.map). With code splitting, every build's chunks land in that folder, so each
// zip carried all thirteen functions' chunks. Naming a build's chunks `<entry>.chunks/…` puts them
// under that rule: a function's zip keeps its own entry and its own chunks only.
const chunksBesideTheirEntry = {
  name: 'chunks-beside-their-entry',
  setup(build) {
    const entries = build.initialOptions.entryPoints;
    const list = Array.isArray(entries) ? entries : Object.values(entries ?? {});
    if (list.length !== 1 || !build.initialOptions.splitting) return;
    const entry = typeof list[0] === 'string' ? list[0] : list[0].in;
    build.initialOptions.chunkNames = `${path.basename(entry, path.extname(entry))}.chunks/[name]-[hash]`;
  },
};

// @aws-sdk/core parses browser user agents with `import('bowser')`. On Node that code is tree-shaken
// away, but esbuild still writes the dynamic import's target as a chunk nothing loads (34 KB in
// every zip). Left external, it is never written; nothing on Node reaches the import.
const browserOnlyLeftOut = {
  name: 'browser-only-left-out',
  setup(build) {
    build.onResolve({ filter: /^bowser$/ }, (args) => (args.importer.includes(`${path.sep}@aws-sdk${path.sep}`) ? { path: args.path, external: true } : undefined));
  },
};

// Lambda's Init phase imports the handler file, and whatever that file imports loads and runs
// there, before the first event. The handler module as written (functions/<name>.ts: middy,
// zod, the pipeline, the plugin registries) goes into a chunk that this entry imports on the
// first invocation, so Init compiles a few hundred bytes and a container started for an event
// pays for the module once, with the event. An environment Lambda initialises ahead of demand
// (provisioned concurrency) loads it at Init instead, where no caller waits.
const ENTRY = (handlerModule) => `
let loaded;
const load = () => (loaded ??= import(${JSON.stringify(handlerModule)}));
if (process.env.AWS_LAMBDA_INITIALIZATION_TYPE === 'provisioned-concurrency') await load();
export const handler = async (event, context) => (await load()).handler(event, context);
`;

const handlerLoadedOnFirstInvocation = {
  name: 'handler-loaded-on-first-invocation',
  setup(build) {
    const entries = build.initialOptions.entryPoints;
    const list = Array.isArray(entries) ? entries : Object.values(entries ?? {});
    // Only Lambda builds (one entry, split into chunks); the import() needs a chunk to load.
    if (list.length !== 1 || !build.initialOptions.splitting) return;
    const entry = path.resolve(typeof list[0] === 'string' ? list[0] : list[0].in);
    // A filter that only the entry's own file name passes: with /.*/, every one of a bundle's
    // ~3,000 imports would cross from esbuild to this process and back.
    const filter = new RegExp(`(^|[\\\\/])${path.basename(entry).replace(/[^\w-]/g, '\\$&')}$`);
    build.onResolve({ filter }, (args) =>
      args.kind === 'entry-point' && path.resolve(args.resolveDir || process.cwd(), args.path) === entry ? { path: entry, namespace: 'lambda-entry' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lambda-entry' }, (args) => ({
      contents: ENTRY(`./${path.basename(args.path)}`),
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

module.exports = [zodRuntimeOnly, chunksBesideTheirEntry, browserOnlyLeftOut, handlerLoadedOnFirstInvocation];
