import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'vitest';
import { lockStateDir, StateInUseError } from './state-lock.ts';

/** A process's state letter from /proc (R, S, Z...); Z: its main thread has ended and nobody has reaped it. */
const stateOf = (pid: number) => { const stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); return stat[stat.lastIndexOf(')') + 2]; };
const zombieWithin5s = async (pid: number) => {
  for (let i = 0; i < 500 && stateOf(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
};
/** The pid a child prints on its first line. */
const printedPid = (child: { stdout: Readable }) => new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));

/** A process that has ended but that nobody reaps: a shell's background child, the shell replaced by a sleep that never waits. */
const zombie = async () => {
  const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const pid = await printedPid(parent);
  await zombieWithin5s(pid);
  return { pid, stop: () => parent.kill('SIGKILL') };
};

test.runIf(existsSync('/proc/self/stat'))('a lock held by a zombie (a killed run nobody reaped) is taken over; one held by a live process is not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-lock-'));
  const dead = await zombie();
  const live = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const seen = stateOf(dead.pid);
    assert.equal(seen, 'Z', `the lock's owner is a zombie (state ${seen})`);
    // Signal 0 still reaches a zombie: that alone would call it alive.
    assert.doesNotThrow(() => process.kill(dead.pid, 0));
    await writeFile(join(dir, 'alertwarden.lock'), `${dead.pid}\n`);
    const lock = await lockStateDir(dir);
    assert.equal(await readFile(join(dir, 'alertwarden.lock'), 'utf8'), `${process.pid}\n`);
    await lock.release();

    await writeFile(join(dir, 'alertwarden.lock'), `${live.pid}\n`);
    await assert.rejects(lockStateDir(dir), (error) => error instanceof StateInUseError && error.pid === live.pid);
  } finally {
    dead.stop();
    live.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

const python = spawnSync('python3', ['-c', 'import ctypes'], { stdio: 'ignore' }).status === 0;

// A killed run's threads end one by one: its main thread can be a zombie while another is still in
// a disk write, with the run's files (LevelDB's lock) still open. Made here by a main thread that
// calls pthread_exit while a second thread sleeps.
test.runIf(existsSync('/proc/self/stat') && python)('a lock whose owner is ending (main thread a zombie, another thread still running) is not taken over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'alertwarden-lock-'));
  const ending = spawn('python3', ['-c', 'import threading, time, ctypes, os\nprint(os.getpid(), flush=True)\nthreading.Thread(target=lambda: time.sleep(30)).start()\nctypes.CDLL(None).pthread_exit(None)'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const pid = await printedPid(ending);
    await zombieWithin5s(pid);
    assert.equal(stateOf(pid), 'Z', 'the owner\'s main thread has ended');
    await writeFile(join(dir, 'alertwarden.lock'), `${pid}\n`);
    await assert.rejects(lockStateDir(dir), (error) => error instanceof StateInUseError && error.pid === pid);
  } finally {
    ending.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
