/**
 * Inspectors pass on what their sources say, and threat-intel JSON can hold any key: a finding
 * whose `detail` has `constructor` or `__proto__` keys is stored, reviewed and emitted with them
 * as data. (The DynamoDB marshaller throws on `constructor`, and z.record turns `__proto__` into
 * a prototype: the finding failed to save and its malicious verdict was lost.)
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { defineInspector } from '../../core/plugins.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

// As an intel API answers: parsed JSON, so these are own keys, not prototype tricks in a literal.
const INTEL_ANSWER = '{"constructor":{"prototype":{"polluted":true}},"__proto__":{"polluted":true},"campaign":"tunnel-rat"}';

const intel = defineInspector({
  name: 'intel',
  accepts: ['ipaddr'],
  inspect: () => ({ findings: [{ verdict: 'malicious', title: 'command and control server', source: 'intel-feed', detail: JSON.parse(INTEL_ANSWER) }] }),
});

let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({ extraInspectors: [intel], env: { ALERTWARDEN_INSPECTORS: 'intel' } });
});

afterAll(async () => {
  await pipeline?.stop();
});

test('a finding detail with constructor and __proto__ keys keeps its malicious verdict, stored and emitted as data', async () => {
  const { runtime } = pipeline;
  await runtime.publish([
    JSON.stringify({
      detector: 'e2e',
      rule_id: 'outbound-contact',
      alert_key: 'intel-detail',
      attributes: [{ type: 'ipaddr', key: 'remote', value: '198.51.100.77', context: ['remote'] }],
    }),
  ]);
  await runtime.drain();
  const finals = (await pipeline.emitted()).filter((r) => r.phase === 'final' && r.alert_key === 'intel-detail');
  assert.equal(finals.length, 1);
  const report = finals[0]!;
  assert.deepEqual(report.inspectionFailures, [], 'the finding was saved, not turned into a failure');
  assert.deepEqual(report.findings.map((f) => [f.inspector, f.verdict]), [['intel', 'malicious']]);
  const detail = report.findings[0]!.detail!;
  assert.ok(Object.hasOwn(detail, '__proto__') && Object.hasOwn(detail, 'constructor'), `detail keys: ${Object.keys(detail).join(', ')}`);
  assert.equal(JSON.stringify(detail), INTEL_ANSWER, 'the detail is emitted as the source gave it');
  assert.equal(report.verdict?.severity, 'high', report.verdict?.reason);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(runtime.engine.failures, []);
});
