/**
 * Appends each report as one JSON line to a JSONL file: a local audit trail that `jq` and
 * `grep` can read. Parent directories are created as needed.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';

export interface FileEmitterOptions {
  path: string;
}

// fs.appendFile writes a large buffer in 512 KiB chunks, so two concurrent appends of big
// reports could interleave inside one line. One queue per file keeps each line whole.
const queues = new Map<string, Promise<unknown>>();

const appendLine = (path: string, line: string): Promise<void> => {
  const previous = queues.get(path) ?? Promise.resolve();
  const write = previous.then(async () => {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, line, 'utf8');
  });
  const settled = write.catch(() => undefined);
  queues.set(path, settled);
  void settled.then(() => {
    if (queues.get(path) === settled) queues.delete(path);
  });
  return write;
};

/**
 * @example
 * const emitter = createFileEmitter({ path: 'out/reports.jsonl' });
 */
export const createFileEmitter = (options: FileEmitterOptions): Emitter => {
  if (!options.path) throw new TypeError('file emitter needs a path');
  const path = resolve(options.path);
  return defineEmitter({
    name: 'file',
    async emit(report) {
      const line = `${JSON.stringify(report)}\n`;
      await appendLine(path, line);
      // The path is configuration; the detail says what was written, not where.
      return { status: 'delivered', detail: `appended ${Buffer.byteLength(line)} bytes` };
    },
  });
};
