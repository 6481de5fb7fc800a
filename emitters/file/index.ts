/**
 * Appends each report as one JSON line to a JSONL file: a local audit trail that `jq` and
 * `grep` can read. Parent directories are created as needed.
 */
import { statSync } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AlertWardenError } from '../../core/errors.ts';
import { toJsonLine } from '../../core/jsonl.ts';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';

export interface FileEmitterOptions {
  path: string;
}

/** A line that did not reach the file whole; the emit fails with it, so the step retries and the failure shows. */
export class FileEmitterWriteError extends AlertWardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileEmitterWriteError';
  }
}

/** The open file and which file it is: the path may name another one later (removed, rotated). */
interface Appender {
  file: FileHandle;
  dev: number;
  ino: number;
}

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * @example
 * const emitter = createFileEmitter({ path: 'out/reports.jsonl' });
 */
export const createFileEmitter = (options: FileEmitterOptions): Emitter => {
  if (!options.path) throw new TypeError('file emitter needs a path');
  const path = resolve(options.path);
  // One descriptor for the emitter's life, not one per report: opening and closing the file
  // on every emit was ~4.6% of a memory-store replay's CPU. Closed by `close()` (the local
  // runtime's stop); in Lambda it lives as long as the container.
  let current: Promise<Appender> | undefined;
  const openAppender = async (): Promise<Appender> => {
    const at = async () => {
      const file = await open(path, 'a');
      try {
        const { dev, ino } = await file.stat();
        return { file, dev, ino };
      } catch (error) {
        await file.close();
        throw error;
      }
    };
    try {
      return await at();
    } catch (error) {
      if (!isMissing(error)) throw error;
      // The folder is not there (yet, or any more): made here, not checked at every emit.
      await mkdir(dirname(path), { recursive: true });
      return at();
    }
  };
  const retire = (stale: Promise<Appender>) => {
    if (current === stale) current = undefined;
    // close() waits for the writes already started on it.
    stale.then((a) => a.file.close()).catch(() => undefined);
  };
  /**
   * The appender for `path` as it is now. A file removed or replaced since it was opened (the
   * folder cleared, a log rotated) would take lines nobody can read: one stat per emit sees
   * that and opens the path again.
   */
  const appender = async (reopen = true): Promise<{ held: Promise<Appender>; appending: Appender }> => {
    const held = (current ??= openAppender());
    const appending = await held.catch((error: unknown) => {
      if (current === held) current = undefined; // not remembered: the next emit tries again
      throw error;
    });
    // Synchronous: a stat is a microsecond system call, and a trip through the thread pool
    // cost as much CPU as the write itself.
    const now = statSync(path, { throwIfNoEntry: false });
    // Opened again once at most: a file system whose stat never matches its descriptor must not loop.
    if (!reopen || (now && now.ino === appending.ino && now.dev === appending.dev)) return { held, appending };
    retire(held);
    return appender(false);
  };
  const append = async (bytes: Buffer, again = true): Promise<void> => {
    const { held, appending } = await appender();
    // One write(2) of the whole line on an O_APPEND descriptor: Linux appends it in one piece,
    // so concurrent emits on the shared descriptor neither interleave inside a line nor wait
    // for each other. (fs.appendFile writes in 512 KiB chunks, which could interleave;
    // serialising every emit behind one queue instead made emits under load outlive their
    // step's timeout and get delivered twice.)
    let bytesWritten: number;
    try {
      ({ bytesWritten } = await appending.file.write(bytes, 0, bytes.length, null));
    } catch (error) {
      // Retired by a concurrent emit that found the file replaced: this line goes to the new one.
      if (again && current !== held) return append(bytes, false);
      retire(held);
      throw error;
    }
    // A short write (disk full) leaves a torn line; failing lets the step retry and the error show.
    if (bytesWritten !== bytes.length) throw new FileEmitterWriteError(`short write: ${bytesWritten} of ${bytes.length} bytes`);
  };
  return defineEmitter({
    name: 'file',
    async emit(report) {
      const line = toJsonLine(report);
      const bytes = Buffer.from(line, 'utf8');
      try {
        await append(bytes);
      } catch (error) {
        if (error instanceof FileEmitterWriteError) throw error;
        // The code (ENOSPC, EACCES, ENOTDIR) says what to fix; the path is configuration and stays out.
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new FileEmitterWriteError(`cannot append to the report file: ${code}`, { cause: error });
      }
      // The path is configuration; the detail says what was written, not where.
      return { status: 'delivered', detail: `appended ${bytes.length} bytes` };
    },
    async close() {
      const held = current;
      current = undefined;
      if (held) await held.then((a) => a.file.close(), () => undefined);
    },
  });
};
