/**
 * `--store memory`: the same pipeline with the store and archive ports in memory. Every alert
 * in exactly one reviewed and emitted report, no request to any DynamoDB or S3 endpoint, and
 * the combination with a state folder refused before anything starts.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { run } from '../../local/cli.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';
import { reportAlertMetrics } from '../support/metrics.ts';

let pipeline: TestPipeline;
beforeAll(async () => {
  pipeline = await startTestPipeline({ storage: 'memory' });
});
afterAll(async () => {
  await pipeline?.stop();
});

test('200 alerts over 20 keys with the memory store: 20 reports emitted, every alert once, no storage request', async (t) => {
  const { runtime } = pipeline;
  const requests: string[] = [];
  runtime.clients.dynamodb.middlewareStack.add((next, context) => (args) => (requests.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'countStorage' });
  runtime.clients.s3.middlewareStack.add((next, context) => (args) => (requests.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'countStorage' });
  await runtime.publish(
    Array.from({ length: 200 }, (_, n) =>
      JSON.stringify({
        detector: 'memory',
        rule_id: 'scanner-contact',
        alert_key: `host-${n % 20}`,
        description: `alert ${n}`,
        attributes: [
          { type: 'ipaddr', key: 'remote', value: `198.51.100.${n % 30}`, context: ['remote'] },
          { type: 'ipaddr', key: 'c2', value: '203.0.113.9', context: ['remote'] },
        ],
      }),
    ),
  );
  await runtime.drain();
  const views = await runtime.reports();
  const emitted = await pipeline.emitted();
  const lastEmitted = new Map(emitted.map((r) => [r.id, r]));
  const members = new Set(views.flatMap((v) => v.report.alerts.map((a) => a.description)));
  reportAlertMetrics(t, { sent: 200, inReports: [...lastEmitted.values()].reduce((n, r) => n + r.alerts.length, 0), notes: `${requests.length} storage requests` });
  assert.equal(views.length, 20);
  assert.equal(members.size, 200);
  assert.equal(lastEmitted.size, 20);
  for (const report of lastEmitted.values()) {
    assert.equal(report.phase, 'final');
    assert.equal(report.alerts.length, 10);
    assert.ok(report.findings.some((f) => f.attribute.value === '203.0.113.9'), 'the blocklist inspector ran');
  }
  assert.deepEqual(requests, []);
  assert.deepEqual(runtime.engine.failures, []);
});

test('the memory store with a state folder is refused, by the runtime and by the CLI, before anything runs', async () => {
  await assert.rejects(LocalRuntime.start({ storage: 'memory', stateDir: '/tmp/alertwarden-never-created' }), /memory store keeps nothing/);
  await assert.rejects(run(['run', 'examples/alerts', '--store', 'memory', '--state', '/tmp/alertwarden-never-created']), /--store memory keeps nothing/);
  await assert.rejects(run(['run', 'examples/alerts', '--store', 'sqlite']), /--store takes dynamodb/);
});
