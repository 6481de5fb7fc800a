/**
 * The local pipeline as end-to-end tests use it: waits 0, the sample blocklist, the file
 * emitter writing to a temporary folder, and the emitted reports read back from it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../../core/report.ts';
import { LocalRuntime, type LocalRuntimeOptions } from '../../local/runtime.ts';

export interface TestPipeline {
  runtime: LocalRuntime;
  /** Every report version the file emitter received, in order. */
  emitted(): Promise<Report[]>;
  stop(): Promise<void>;
}

export const startTestPipeline = async (options: LocalRuntimeOptions = {}): Promise<TestPipeline> => {
  const outDir = await mkdtemp(join(tmpdir(), 'alertwarden-e2e-'));
  const jsonl = join(outDir, 'reports.jsonl');
  const runtime = await LocalRuntime.start({
    ...options,
    env: {
      ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '0',
      ALERTWARDEN_BLOCKLISTS: 'examples/blocklists/known-bad.txt',
      ALERTWARDEN_EMITTERS: 'file',
      ALERTWARDEN_FILE_EMITTER_PATH: jsonl,
      ...options.env,
    },
  });
  return {
    runtime,
    async emitted() {
      const text = await readFile(jsonl, 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Report);
    },
    async stop() {
      await runtime.stop();
      await rm(outDir, { recursive: true, force: true });
    },
  };
};
