/**
 * The narrowest race of aggregation: an alert that joins after the late inspection but
 * before the final review's snapshot. It is in the report, so its attributes must be
 * inspected and an update emitted — not left uninspected forever.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

let pipeline: TestPipeline;
beforeAll(async () => {
  pipeline = await startTestPipeline();
});
afterAll(async () => {
  await pipeline?.stop();
});

const alert = (ip: string, second: number) =>
  JSON.stringify({
    detector: 'e2e',
    rule_id: 'race',
    alert_key: 'snapshot-race',
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
    attributes: [{ type: 'ipaddr', key: 'remote', value: ip, context: ['remote'] }],
  });

test('an alert joining just before the final snapshot gets inspected and reported in an update', async () => {
  const { runtime } = pipeline;
  const store = runtime.deps.store;
  const original = store.beginReview.bind(store);
  let injected = false;
  store.beginReview = async (reportId, phase) => {
    if (phase === 'final' && !injected) {
      injected = true;
      await runtime.publish([alert('203.0.113.200', 1)]); // after InspectLateAttributes, before the snapshot
    }
    return original(reportId, phase);
  };
  try {
    await runtime.publish([alert('192.0.2.1', 0)]);
    await runtime.drain();
  } finally {
    store.beginReview = original;
  }
  assert.ok(injected);
  const finals = (await pipeline.emitted()).filter((r) => r.alert_key === 'snapshot-race' && r.phase === 'final');
  const last = finals.at(-1)!;
  assert.equal(last.alerts.length, 2);
  assert.deepEqual(
    last.findings.filter((f) => f.inspector === 'blocklist').map((f) => [f.attribute.value, f.source]),
    [['203.0.113.200', 'known-bad']],
    'the late attribute was inspected',
  );
  assert.equal(last.verdict?.severity, 'high');
  assert.equal(finals.length, 2, 'the first final version lacked the finding, so an update followed');
});
