#!/usr/bin/env node
// The `alertwarden` command: TypeScript sources, transpiled on first use and cached, no build step. Help and version
// answer before anything heavy loads.
const args = process.argv.slice(2);
if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === '--version' || args[0] === '-v') {
  const { USAGE, VERSION } = await import('./usage.mjs');
  const version = args[0] === '--version' || args[0] === '-v';
  (args.length === 0 ? process.stderr : process.stdout).write(version ? `alertwarden ${VERSION}\n` : USAGE);
  process.exit(args.length === 0 ? 2 : 0);
}

// Node 20 is supported for local runs (Lambda runs nodejs22.x); the SDK's reminder is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Node >= 22.1 keeps V8's compiled code of every module loaded from here on (the SDK, the engine,
// the servers) on disk: a start compiles only what changed. Older Node has no such cache.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.(new URL('../node_modules/.cache/alertwarden/v8', import.meta.url).pathname);

// The sources as last transpiled (local/prebuilt.mjs), else through tsx.
const { prebuilt } = await import('./prebuilt.mjs');
const build = process.env.ALERTWARDEN_CLI_TSX ? undefined : await prebuilt();
if (build) {
  await import(build.outputs['local/polyfills.ts']);
  const { main } = await import(build.outputs['local/cli.ts']);
  await main();
} else {
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('./cli.ts');
  await main();
}
