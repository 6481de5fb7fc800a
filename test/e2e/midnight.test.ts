/**
 * The store keeps rejections and given-up work by UTC day; a run that crosses midnight still
 * lists what it refused and gave up on before it (the CLI prints them and exits on them).
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'vitest';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

test('a run across midnight lists the rejections and failures of both days', async () => {
  let clock = Date.parse('2026-11-30T23:59:58Z');
  pipeline = await startTestPipeline({ now: () => clock });
  const { runtime } = pipeline;
  await runtime.publish(['{"rule_id": "before midnight"}']);
  await runtime.deps.store.recordFailure({ kind: 'round', reportId: 'r-before', round: 1, error: 'given up before midnight', failedAt: new Date(clock).toISOString() });
  clock = Date.parse('2026-12-01T00:00:03Z');
  await runtime.publish(['{"rule_id": "after midnight"}']);
  await runtime.deps.store.recordFailure({ kind: 'round', reportId: 'r-after', round: 1, error: 'given up after midnight', failedAt: new Date(clock).toISOString() });

  const rejected = (await runtime.rejections()).map((r) => `${r.rejectedAt.slice(0, 10)} ${r.excerpt}`);
  const failed = (await runtime.pipelineFailures()).map((f) => `${f.failedAt.slice(0, 10)} ${f.error}`);
  assert.deepEqual(rejected, ['2026-11-30 {"rule_id": "before midnight"}', '2026-12-01 {"rule_id": "after midnight"}'], `listed: ${JSON.stringify(rejected)}`);
  assert.deepEqual(failed, ['2026-11-30 given up before midnight', '2026-12-01 given up after midnight'], `listed: ${JSON.stringify(failed)}`);
});
