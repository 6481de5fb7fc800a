/**
 * Emitter faults, with the real sns emitter against a loopback SNS that can refuse, and a
 * test emitter that fails once: a flaky destination gets one delivery, a dead one is recorded
 * as failed and listed with the day's pipeline failures (nothing vanishes), can be re-driven,
 * and never holds up the other emitters.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import { emissionKeyOf } from '../../core/ids.ts';
import { emitReport } from '../../core/pipeline/emission.ts';
import { defineEmitter } from '../../core/plugins.ts';
import { ROUND_DEFINITION } from '../../local/engine.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import type { Report } from '../../core/report.ts';
import { deliveredAlerts, reportAlertMetrics } from '../support/metrics.ts';
import { startFakeSns, type FakeSns } from '../support/fake-services.ts';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:alertwarden-reports';
// Attempts per emit step: the first plus the ASL's retries.
const EMIT_ATTEMPTS =
  1 +
  (JSON.parse(readFileSync(ROUND_DEFINITION, 'utf8')).States.EmitReport.ItemProcessor.States.EmitToEmitter.Retry as { ErrorEquals: string[]; MaxAttempts: number }[])
    .find((r) => r.ErrorEquals.includes('States.ALL'))!.MaxAttempts;

let runtime: LocalRuntime;
let sns: FakeSns;
let outDir: string;
const flakyCalls = new Map<string, number>();
const flakyDeliveries: string[] = [];
const flakyKeys = new Map<string, string[]>();

// Fails the first attempt of every report version (a 502 from a webhook), then works.
const flaky = defineEmitter({
  name: 'flaky',
  emit: (report, ctx) => {
    const key = `${report.id} v${report.version}`;
    flakyKeys.set(key, [...(flakyKeys.get(key) ?? []), ctx.idempotencyKey]);
    const calls = (flakyCalls.get(key) ?? 0) + 1;
    flakyCalls.set(key, calls);
    if (calls === 1) throw new Error('webhook answered 502 Bad Gateway');
    flakyDeliveries.push(key);
    return { status: 'delivered' };
  },
});

beforeAll(async () => {
  sns = await startFakeSns();
  outDir = await mkdtemp(join(tmpdir(), 'alertwarden-emit-faults-'));
  runtime = await LocalRuntime.start({
    env: {
      ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '0',
      ALERTWARDEN_EMITTERS: 'file,flaky,sns',
      ALERTWARDEN_FILE_EMITTER_PATH: join(outDir, 'reports.jsonl'),
      ALERTWARDEN_REPORT_TOPIC_ARN: TOPIC,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
    },
    extraEmitters: [flaky],
  });
});

afterAll(async () => {
  await runtime?.stop();
  await sns?.close();
  await rm(outDir, { recursive: true, force: true });
});

/** Runs one alert through; `delivered` counts it in the last version the file emitter received (1 or 0). */
const runAlert = async (key: string) => {
  const message = JSON.stringify({ detector: 'e2e', rule_id: 'emitter-faults', alert_key: key });
  await runtime.publish([message]);
  await runtime.drain();
  const views = (await runtime.reports()).filter((v) => v.report.alert_key === key);
  assert.equal(views.length, 1);
  const emitted = readFileSync(join(outDir, 'reports.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Report);
  return Object.assign(views[0]!, { delivered: deliveredAlerts([message], emitted).delivered });
};
const statusOf = (view: Awaited<ReturnType<typeof runAlert>>, emitter: string) =>
  view.emissions.filter((e) => e.emitter === emitter && e.version === view.report.version).map((e) => e.status);
const snsRequestsFor = (reportId: string) => sns.requests.filter((body) => body.includes(reportId)).length;

test('an emitter that fails once and then succeeds delivers exactly once', async (t) => {
  const view = await runAlert('flaky-once');
  reportAlertMetrics(t, { sent: 1, inReports: view.delivered });
  const key = `${view.report.id} v${view.report.version}`;
  assert.equal(flakyCalls.get(key), 2, 'retried by the state machine');
  const expectedKey = emissionKeyOf(view.report.id, view.report.version, 'flaky');
  assert.deepEqual(flakyKeys.get(key), [expectedKey, expectedKey], 'the retry carries the same idempotency key');
  assert.deepEqual(flakyDeliveries.filter((d) => d === key), [key]);
  assert.deepEqual(statusOf(view, 'flaky'), ['delivered']);
  assert.deepEqual(statusOf(view, 'sns'), ['delivered']);
  assert.equal(sns.published.filter((p) => p.message.includes(view.report.id)).length, 1);
  assert.deepEqual(await runtime.pipelineFailures(), []);
});

test('an emitter that fails for good is recorded and listed, re-drivable, and the other emitters deliver', async (t) => {
  sns.mode = 'deny';
  const failedBefore = runtime.metrics.get('EmissionsFailed');
  const view = await runAlert('sns-refuses');
  reportAlertMetrics(t, { sent: 1, inReports: view.delivered });
  const failedCounted = runtime.metrics.get('EmissionsFailed') - failedBefore;
  assert.equal(failedCounted, 1, `EmissionsFailed counted ${failedCounted} for one emitter given up on`);
  const { id, version } = view.report;
  assert.equal(view.error, undefined, 'the round itself completes');
  assert.equal(snsRequestsFor(id), EMIT_ATTEMPTS, 'every attempt the ASL allows was made');
  const [failed] = view.emissions.filter((e) => e.emitter === 'sns');
  assert.equal(failed?.status, 'failed');
  assert.match(failed!.detail!, /AuthorizationError/);
  assert.deepEqual(statusOf(view, 'file'), ['delivered']);
  assert.deepEqual(statusOf(view, 'flaky'), ['delivered']);

  const listed = (await runtime.pipelineFailures()).filter((f) => f.reportId === id);
  assert.equal(listed.length, 1);
  assert.deepEqual({ ...listed[0], error: undefined, failedAt: undefined }, { kind: 'emission', reportId: id, version, emitter: 'sns', error: undefined, failedAt: undefined });
  assert.match(listed[0]!.error, /AuthorizationError/);

  // Once the topic policy is fixed, the listed failure is re-driven: one delivery, and only one.
  sns.mode = 'accept';
  assert.deepEqual(await emitReport({ reportId: id, version, emitter: 'sns' }, runtime.deps), { status: 'delivered' });
  assert.deepEqual(await emitReport({ reportId: id, version, emitter: 'sns' }, runtime.deps), { status: 'skipped' });
  assert.equal(sns.published.filter((p) => p.message.includes(id)).length, 1);
  assert.equal(sns.published.at(-1)!.topicArn, TOPIC);
});
