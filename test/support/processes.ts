/**
 * Waiting for a process to end as the --state lock sees it (local/state-lock.ts): gone, or ended
 * but unreaped (a zombie) with no thread left that could still hold its files, LevelDB's lock
 * among them.
 */
import { isAlive } from '../../local/state-lock.ts';

/** Waits up to `ms` for `pid` to end; true if it did. */
export const ended = async (pid: number, ms = 10_000) => {
  const from = Date.now();
  while (isAlive(pid) && Date.now() - from < ms) await new Promise((r) => setTimeout(r, 10));
  return !isAlive(pid);
};
