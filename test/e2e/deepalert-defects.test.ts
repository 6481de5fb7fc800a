/**
 * The defects found in deepalert's code (shared/notes/prior-art.md), each proven absent here.
 * Defects 1 and 2 (late alerts dropped, a failed start never retried) are proven in
 * pipeline.test.ts and ingest-faults.test.ts; 8 (an unwatched DLQ) in test/deploy.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { defineInspector } from '../../core/plugins.ts';
import type { ReportAttribute } from '../../core/report.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

const seen: { inspector: string; attribute: ReportAttribute }[] = [];

/** Resolves a domain to an address; the address "belongs" to another domain, and so on: an endless chain. */
const resolver = defineInspector({
  name: 'resolver',
  accepts: ['domain'],
  inspect: (attribute) => {
    seen.push({ inspector: 'resolver', attribute });
    const n = Number(/^hop(\d+)\./.exec(attribute.value)?.[1] ?? 0);
    return { findings: [], newAttributes: [{ type: 'ipaddr', key: 'resolved', value: `192.0.2.${n + 1}`, context: ['remote'] }] };
  },
});
const reverse = defineInspector({
  name: 'reverse',
  accepts: ['ipaddr'],
  inspect: (attribute) => {
    seen.push({ inspector: 'reverse', attribute });
    const n = Number(attribute.value.split('.').at(-1));
    return { findings: [{ verdict: 'info', title: `PTR hop${n}.example` }], newAttributes: [{ type: 'domain', key: 'ptr', value: `hop${n}.example`, context: ['remote'] }] };
  },
});

let pipeline: TestPipeline;
beforeAll(async () => {
  pipeline = await startTestPipeline({ extraInspectors: [resolver, reverse], env: { ALERTWARDEN_MAX_INSPECTION_DEPTH: '2' } });
});
afterAll(async () => {
  await pipeline?.stop();
});

test('defects 3 and 7: discovered attributes are inspected in turn, bounded by depth, and each inspector only gets the types it accepts', async () => {
  const { runtime } = pipeline;
  await runtime.publish([
    JSON.stringify({ detector: 'e2e', rule_id: 'dns', alert_key: 'discovery', attributes: [{ type: 'domain', key: 'query', value: 'hop0.example' }] }),
  ]);
  await runtime.drain();
  const report = (await pipeline.emitted()).find((r) => r.alert_key === 'discovery' && r.phase === 'final')!;
  assert.deepEqual(
    report.attributes.map((a) => [a.value, a.depth, a.origin]),
    [
      ['hop0.example', 0, 'alert'],
      ['192.0.2.1', 1, 'resolver'],
      ['hop1.example', 2, 'reverse'],
      ['192.0.2.2', 3, 'resolver'],
    ],
  );
  // Depth 3 is recorded but not inspected: the chain stops at the configured bound.
  assert.deepEqual(seen.map((s) => [s.inspector, s.attribute.value]).sort(), [
    ['resolver', 'hop0.example'],
    ['resolver', 'hop1.example'],
    ['reverse', '192.0.2.1'],
  ]);
  assert.ok(seen.every((s) => (s.inspector === 'resolver' ? s.attribute.type === 'domain' : s.attribute.type === 'ipaddr')));
  assert.ok(report.findings.some((f) => f.inspector === 'reverse' && f.title === 'PTR hop1.example'));
});

test('defect 4: a report far over 256 KB completes, because only ids travel between states', async () => {
  const { runtime } = pipeline;
  const big = (n: number) =>
    JSON.stringify({
      detector: 'e2e',
      rule_id: 'bulky',
      alert_key: 'big-report',
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      description: 'd'.repeat(4000),
      attributes: Array.from({ length: 60 }, (_, i) => ({ type: 'url', key: `u${i}`, value: `https://host${n}-${i}.example/${'p'.repeat(1500)}` })),
      body: { blob: 'b'.repeat(60_000) },
    });
  await runtime.publish(Array.from({ length: 5 }, (_, n) => big(n)));
  await runtime.drain();
  const report = (await pipeline.emitted()).find((r) => r.alert_key === 'big-report' && r.phase === 'final')!;
  assert.equal(report.alerts.length, 5);
  assert.equal(report.attributes.length, 300);
  assert.ok(Buffer.byteLength(JSON.stringify(report)) > 256 * 1024 * 3);
  assert.ok(runtime.engine.maxPayloadBytes < 64 * 1024, `largest state payload ${runtime.engine.maxPayloadBytes} bytes`);
});

test('defect 6: an alert storm on one key costs one execution, not one per alert', async () => {
  // A real aggregation wait, so the storm lands while the one round is collecting.
  const waiting = await startTestPipeline({ env: { ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '2' } });
  try {
    const { runtime } = waiting;
    const before = runtime.engine.executionNames().length;
    await runtime.publish(
      Array.from({ length: 30 }, (_, n) =>
        JSON.stringify({ detector: 'e2e', rule_id: 'storm', alert_key: 'one-key', timestamp: new Date(Date.UTC(2026, 0, 1, 0, 1, n)).toISOString() }),
      ),
    );
    await runtime.drain();
    const started = runtime.engine.executionNames().slice(before);
    assert.equal(started.length, 1, started.join(', '));
    const finals = (await waiting.emitted()).filter((r) => r.alert_key === 'one-key' && r.phase === 'final');
    assert.equal(finals.length, 1);
    assert.equal(finals[0]!.alerts.length, 30);
  } finally {
    // Stopped even when an assertion fails, so the failure is reported instead of hanging on open servers.
    await waiting.stop();
  }
});
