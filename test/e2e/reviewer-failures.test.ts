/** A broken reviewer never costs a report; a broken deployment (unreadable policy) fails loudly and recovers. */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { defineReviewer } from '../../core/plugins.ts';
import { LocalRuntime } from '../../local/runtime.ts';

let runtime: LocalRuntime;
let mode: 'throws' | 'misconfigured' | 'healthy' = 'throws';

const reviewer = defineReviewer({
  name: 'flaky',
  review: () => {
    if (mode === 'throws') throw new Error('model endpoint returned 502');
    if (mode === 'misconfigured') throw new ConfigError('cannot read review policy s3://cfg/policy.json: AccessDenied');
    return { severity: 'low', reason: 'healthy again' };
  },
});

beforeAll(async () => {
  runtime = await LocalRuntime.start({
    // No re-drives: the first failed round is given up on at once (re-drives: test/e2e/round-faults.test.ts).
    env: { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '0', ALERTWARDEN_EMITTERS: 'file', ALERTWARDEN_FILE_EMITTER_PATH: '/dev/null', ALERTWARDEN_ROUND_MAX_REDRIVES: '0' },
    reviewer,
  });
});
afterAll(async () => {
  await runtime?.stop();
});

const publish = async (key: string, second: number) => {
  await runtime.publish([JSON.stringify({ detector: 'e2e', rule_id: 'r', alert_key: key, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString() })]);
  await runtime.drain();
  return (await runtime.reports()).filter((v) => v.report.alert_key === key);
};

test('a reviewer that throws: the report is still emitted, unclassified, with the failure as its reason', async () => {
  mode = 'throws';
  const [view] = await publish('reviewer-throws', 0);
  assert.equal(view?.report.phase, 'final');
  assert.equal(view?.report.verdict?.severity, 'unclassified');
  assert.match(view!.report.verdict!.reason, /reviewer flaky failed: model endpoint returned 502/);
  assert.ok(view!.emissions.some((e) => e.status === 'delivered'));
});

test('an unreadable policy fails the round (retried, then recorded); the next alert starts a new round that completes', async () => {
  mode = 'misconfigured';
  const failuresBefore = runtime.engine.failures.length;
  const roundsFailedBefore = runtime.metrics.get('RoundsFailed');
  const [shown] = await publish('reviewer-misconfigured', 0);
  assert.equal(runtime.engine.failures.length, failuresBefore + 1);
  const roundsFailedCounted = runtime.metrics.get('RoundsFailed') - roundsFailedBefore;
  assert.equal(roundsFailedCounted, 1, `RoundsFailed counted ${roundsFailedCounted} for one failed round`);
  assert.equal(shown?.report.alerts.length, 1, 'a failed report is still listed with its alert');
  assert.match(shown?.error ?? '', /ConfigError/);
  const states = await Promise.all((await runtime.deps.store.listReportIds()).map((id) => runtime.deps.store.getState(id)));
  const failed = states.find((s) => s?.alert_key === 'reviewer-misconfigured');
  assert.equal(failed?.running, false);
  assert.match(failed?.lastError ?? '', /ConfigError: cannot read review policy/);

  mode = 'healthy';
  const [view] = await publish('reviewer-misconfigured', 1);
  assert.equal(view?.report.verdict?.severity, 'low');
  assert.equal(view?.report.alerts.length, 2, 'the alert of the failed round is kept and reviewed in the next');
});
