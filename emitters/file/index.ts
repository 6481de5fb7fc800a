/**
 * Appends each report as one JSON line to a JSONL file: a local audit trail that `jq` and
 * `grep` can read. Parent directories are created as needed.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { toJsonLine } from '../../core/jsonl.ts';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';

export interface FileEmitterOptions {
  path: string;
}

/**
 * One write(2) of the whole line on an O_APPEND descriptor: Linux appends it in one piece, so
 * concurrent emits neither interleave inside a line nor wait for each other. (fs.appendFile
 * writes in 512 KiB chunks, which could interleave; serialising every emit behind one queue
 * instead made emits under load outlive their step's timeout and get delivered twice.)
 */
const appendLine = async (path: string, line: string, folder: (again?: boolean) => Promise<void>): Promise<void> => {
  await folder();
  const bytes = Buffer.from(line, 'utf8');
  const file = await open(path, 'a').catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    // The folder went away since it was made: make it again, once.
    await folder(true);
    return open(path, 'a');
  });
  try {
    const { bytesWritten } = await file.write(bytes, 0, bytes.length, null);
    // A short write (disk full) leaves a torn line; failing lets the step retry and the error show.
    if (bytesWritten !== bytes.length) throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
  } finally {
    await file.close();
  }
};

/**
 * @example
 * const emitter = createFileEmitter({ path: 'out/reports.jsonl' });
 */
export const createFileEmitter = (options: FileEmitterOptions): Emitter => {
  if (!options.path) throw new TypeError('file emitter needs a path');
  const path = resolve(options.path);
  // Made once, not at every emit: a recursive mkdir per report was ~5% of a local replay's CPU.
  let made: Promise<void> | undefined;
  const folder = (again = false) => {
    if (again) made = undefined;
    made ??= mkdir(dirname(path), { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        made = undefined; // not remembered: the next emit tries again
        throw error;
      },
    );
    return made;
  };
  return defineEmitter({
    name: 'file',
    async emit(report) {
      const line = toJsonLine(report);
      await appendLine(path, line, folder);
      // The path is configuration; the detail says what was written, not where.
      return { status: 'delivered', detail: `appended ${Buffer.byteLength(line)} bytes` };
    },
  });
};
