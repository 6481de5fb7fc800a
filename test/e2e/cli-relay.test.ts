/**
 * `alertwarden` runs its work in a child started with V8's helper threads set
 * (local/v8-helper-threads.mjs) and relays it: what a user sees of one command must stay true
 * of the pair. Exit codes and output are covered by every CLI test; here, what only a pair can
 * get wrong: a relay killed outright must not leave its run going, holding the --state folder.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'vitest';
import { helperThreads } from '../../local/v8-helper-threads.mjs';
import { runCli } from '../support/cli.ts';
import { ended as runEnded } from '../support/processes.ts';

const BIN = resolve('local/bin.mjs');
const linux = existsSync('/proc/self/stat');

/** A run that lasts: the aggregation wait keeps its reports open for 20 s. */
const startRun = (state: string, env: NodeJS.ProcessEnv = {}) => {
  const cli = spawn(process.execPath, [BIN, 'run', '--state', state, '--out', join(state, 'out'), '--delay', '20', 'examples/alerts'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  cli.stderr!.on('data', (c: Buffer) => (stderr += String(c)));
  const ended = new Promise<NodeJS.Signals | number | null>((done) => cli.on('exit', (code, signal) => done(signal ?? code)));
  return { cli, ended, stderr: () => stderr };
};

/** The pid in the run's lock file once the run holds its folder. */
const lockOwner = async (state: string, cli: ChildProcess, stderr: () => string) => {
  const path = join(state, 'alertwarden.lock');
  for (let i = 0; i < 6000 && cli.exitCode === null; i++) {
    if (existsSync(path)) {
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (pid > 0) return pid;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the run never locked ${state}: ${stderr()}`);
};

const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');

test.runIf(linux)('the run is a child with the helper threads set; killed outright, the command takes its run with it, and the next run takes the folder over', async () => {
  const state = await mkdtemp(join(tmpdir(), 'alertwarden-relay-'));
  const { cli, ended, stderr } = startRun(state);
  try {
    const owner = await lockOwner(state, cli, stderr);
    assert.notEqual(owner, cli.pid, 'the work runs in a child of the command');
    assert.ok(commandLine(owner).includes(`--v8-pool-size=${helperThreads()}`), commandLine(owner).join(' '));
    assert.ok(!commandLine(cli.pid!).some((a) => a.startsWith('--v8-pool-size')), 'the command itself was started as a user starts it');

    cli.kill('SIGKILL');
    assert.equal(await ended, 'SIGKILL');
    const killedAt = Date.now();
    const gone = await runEnded(owner);
    console.log(`run ${owner} ${gone ? 'ended' : 'still running'} ${Date.now() - killedAt} ms after its command was killed`);
    assert.equal(gone, true, 'the run outlived its command');

    const next = await runCli(['run', '--json', '--delay', '0', '--state', state, '--out', join(state, 'out'), 'examples/alerts/02-root-login.json']);
    assert.equal(next.code, 0, next.stderr);
  } finally {
    cli.kill('SIGKILL');
    await rm(state, { recursive: true, force: true });
  }
});

test.runIf(linux)('a signal that ends the command ends its run; one that ends the run (the OOM killer, a kill of its pid) ends the command as by that signal', async () => {
  const state = await mkdtemp(join(tmpdir(), 'alertwarden-relay-'));
  const first = startRun(state);
  const second = startRun(join(state, 'second'));
  try {
    const owner = await lockOwner(state, first.cli, first.stderr);
    first.cli.kill('SIGTERM');
    assert.equal(await first.ended, 'SIGTERM');
    assert.equal(await runEnded(owner), true, 'the run outlived its command');

    process.kill(await lockOwner(join(state, 'second'), second.cli, second.stderr), 'SIGTERM');
    assert.equal(await second.ended, 'SIGTERM');
  } finally {
    first.cli.kill('SIGKILL');
    second.cli.kill('SIGKILL');
    await rm(state, { recursive: true, force: true });
  }
});

test.runIf(linux)('a pool size the user set is kept: the command does the work itself', async () => {
  const state = await mkdtemp(join(tmpdir(), 'alertwarden-relay-'));
  const { cli, ended, stderr } = startRun(state, { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --v8-pool-size=2` });
  try {
    assert.equal(await lockOwner(state, cli, stderr), cli.pid);
    cli.kill('SIGTERM');
    assert.equal(await ended, 'SIGTERM');
  } finally {
    cli.kill('SIGKILL');
    await rm(state, { recursive: true, force: true });
  }
});
