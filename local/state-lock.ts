/**
 * One run per `--state DIR`: two runs on the same LevelDB and s3rver folder would corrupt each
 * other (the second saw "Database is closed" mid-run). A lock file holding the owner's pid,
 * created exclusively; a lock left by a process that no longer exists (killed) is taken over,
 * since a killed run is exactly what --state is for.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlertWardenError } from '../core/errors.ts';

export class StateInUseError extends AlertWardenError {
  constructor(readonly directory: string, readonly pid: number) {
    super(`state in use by pid ${pid}: another alertwarden run is using ${directory}; wait for it to end or stop it`);
    this.name = 'StateInUseError';
  }
}

/**
 * A killed run whose parent does not reap it stays a zombie: signal 0 still reaches it, yet it
 * holds no file and runs nothing. That is the usual end of a run whose `alertwarden` process was
 * killed in a container whose first process reaps nobody (the run is reparented to it). A main
 * thread is a zombie too while the process's other threads are still ending, its files still
 * open: that one still counts. Linux only (/proc); elsewhere every process signal 0 reaches counts.
 */
const isZombie = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'Z' && readdirSync(`/proc/${pid}/task`).length === 1;
  } catch {
    return false;
  }
};

/** Whether `pid` is a process that still runs (or may: one of another user's counts). */
export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still means in use.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export interface StateLock {
  release(): Promise<void>;
}

export const lockStateDir = async (directory: string): Promise<StateLock> => {
  await mkdir(directory, { recursive: true });
  const path = join(directory, 'alertwarden.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) throw new StateInUseError(directory, owner);
    await rm(path, { force: true }); // stale: its run was killed
  }
  throw new StateInUseError(directory, Number.NaN);
};
