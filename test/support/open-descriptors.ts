/**
 * What this process holds open, read from /proc (Linux only: callers skip elsewhere). For tests
 * that check a resource is released: a file descriptor, a listening port.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Where each of this process's open file descriptors points (a path, `socket:[inode]`, `pipe:[...]`). */
export const descriptorTargets = (): string[] =>
  readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return []; // closed while listed
    }
  });

/** TCP ports this process listens on: its sockets' inodes among /proc/net/tcp's LISTEN (0A) entries. */
export const listeningSockets = (): number => {
  const inodes = new Set(descriptorTargets().flatMap((target) => /^socket:\[(\d+)\]$/.exec(target)?.[1] ?? []));
  return readFileSync('/proc/self/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === '0A' && inodes.has(fields[9]!)).length;
};
