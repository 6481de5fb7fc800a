#!/usr/bin/env node
// `npm test`: the type check (tsc) and the test suite (vitest run) at once, not one after the
// other. tsc only parses and checks (4-5 s CPU on its own threads, 10-14 s wall under load);
// started together, its time hides inside the suite's instead of adding to it. The suite's output
// streams as it runs; tsc's is held and printed when tsc ends, so a type error still shows while
// the tests run. Exit status: the suite's, or 1 when the suite passed and the type check failed.
// Arguments go to vitest (`npm test -- test/e2e`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One command's run: its exit code (signals as 1) and, when captured, its output. */
const run = (command, args, { capture = false, cwd } = {}) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('error', (error) => resolve({ code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });

/**
 * Runs `typecheck` (output captured, printed when it ends) and `suite` (output streamed) at once;
 * resolves with the exit code `npm test` should have.
 * @param {{ typecheck: { command: string; args: string[] }; suite: { command: string; args: string[] }; cwd?: string; write?: (text: string) => void }} options
 */
export const runTogether = async ({ typecheck, suite, cwd, write = (text) => process.stderr.write(text) }) => {
  const checked = run(typecheck.command, typecheck.args, { capture: true, cwd }).then((result) => {
    if (result.code !== 0) write(`\ntype check failed (tsc, exit ${result.code}):\n${result.output}\n`);
    return result;
  });
  const [types, tests] = await Promise.all([checked, run(suite.command, suite.args, { cwd })]);
  if (types.code !== 0) write('type check failed: the errors are printed above, with the tests that ran meanwhile\n');
  return tests.code !== 0 ? tests.code : types.code !== 0 ? 1 : 0;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bin = (path) => fileURLToPath(new URL(`../node_modules/${path}`, import.meta.url));
  process.exitCode = await runTogether({
    typecheck: { command: process.execPath, args: [bin('typescript/bin/tsc'), '--noEmit', '--incremental', '--tsBuildInfoFile', bin('.cache/tsc/tsbuildinfo')] },
    suite: { command: process.execPath, args: [bin('vitest/vitest.mjs'), 'run', ...process.argv.slice(2)] },
  });
}
