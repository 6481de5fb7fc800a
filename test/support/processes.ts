/**
 * Whether a process still runs, read from /proc (Linux): gone and ended-but-unreaped (a zombie)
 * both count as ended. A killed process's main thread can be a zombie while its other threads
 * are still ending (one in a disk write), with its files, and LevelDB's lock, still open: it has
 * ended only when the main thread is the one thread left.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const running = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z' || readdirSync(`/proc/${pid}/task`).length > 1;
  } catch {
    return false;
  }
};

/** Waits up to `ms` for `pid` to end; true if it did. */
export const ended = async (pid: number, ms = 10_000) => {
  const from = Date.now();
  while (running(pid) && Date.now() - from < ms) await new Promise((r) => setTimeout(r, 10));
  return !running(pid);
};
