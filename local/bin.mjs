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

// V8's helper threads are fixed when a process starts (local/v8-helper-threads.mjs): the work runs
// in a child started with them, and this process only relays, so a user or a script sees one
// command: the child's output and exit code. A signal that ends this process ends the child too
// (its lifeline, below); Ctrl-C reaches both.
const { poolSizeChosen, poolSizeOption } = await import('./v8-helper-threads.mjs');
const RELAY = 'ALERTWARDEN_RELAY_PID';
// Under a debugger the work stays in the process it is attached to.
const debugged = process.execArgv.some((arg) => arg.startsWith('--inspect'));
if (!poolSizeChosen() && !debugged) {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(process.execPath, [poolSizeOption(), ...process.execArgv, fileURLToPath(import.meta.url), ...args], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [RELAY]: String(process.pid) },
  });
  child.on('error', (error) => {
    process.stderr.write(`alertwarden: cannot start node (${process.execPath}): ${error.message}\n`);
    process.exit(1);
  });
  // Ended by a signal: end by the same one, so the shell sees what the child saw.
  child.on('exit', (code, signal) => (signal === null ? process.exit(code ?? 1) : process.kill(process.pid, signal)));
} else {
  // Started by the relay above: end with it, however it ended (SIGKILL cannot be passed on).
  // Otherwise the run would go on, holding its --state folder, with nobody to stop it. The
  // channel does not keep this process alive. Only this relay's channel: a program that forks
  // the command with its own pool size keeps its own channel's meaning.
  const relay = process.env[RELAY];
  delete process.env[RELAY];
  if (relay !== undefined) {
    const orphaned = () => process.kill(process.pid, 'SIGKILL');
    // The relay died before this listener was set (its child was reparented then).
    if (relay !== String(process.ppid) || !process.connected) orphaned();
    process.on('disconnect', orphaned);
    process.channel?.unref();
  }
  await work();
}

/** The command itself. */
async function work() {
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
}
