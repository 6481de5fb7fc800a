/**
 * Plugins anywhere: an inspector and the reviewer that are functions of another stack, named
 * only in configuration, run by the local pipeline through the same invoker port that calls
 * Lambda in AWS. No AlertWarden code knows them.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';

const requests: unknown[] = [];
let pipeline: TestPipeline;

beforeAll(async () => {
  pipeline = await startTestPipeline({
    env: {
      ALERTWARDEN_EXTERNAL_INSPECTORS: JSON.stringify([{ name: 'whois', accepts: ['domain'], function: 'team-b-whois' }]),
      ALERTWARDEN_EXTERNAL_REVIEWER: 'arn:aws:lambda:us-east-1:123456789012:function:team-b-reviewer',
    },
    functions: {
      'team-b-whois': (request) => {
        requests.push(request);
        const { attribute } = request as { attribute: { value: string } };
        return {
          findings: [{ verdict: 'suspicious', title: `${attribute.value} registered 2 days ago`, source: 'whois' }],
          newAttributes: [{ type: 'ipaddr', key: `A of ${attribute.value}`, value: '192.0.2.80', context: ['remote'] }],
        };
      },
      'arn:aws:lambda:us-east-1:123456789012:function:team-b-reviewer': (request) => {
        const { report } = request as { report: { findings: { verdict: string }[] } };
        const suspicious = report.findings.filter((f) => f.verdict === 'suspicious').length;
        return { severity: suspicious ? 'high' : 'low', reason: `team B: ${suspicious} suspicious finding(s)` };
      },
    },
  });
});

afterAll(async () => {
  await pipeline?.stop();
});

test('an external inspector and reviewer, named only in configuration, decide a report end to end', async () => {
  await pipeline.runtime.publish([
    JSON.stringify({ detector: 'dns', rule_id: 'new-domain', alert_key: 'ext-1', attributes: [{ type: 'domain', key: 'q', value: 'fresh.example' }] }),
  ]);
  await pipeline.runtime.drain();
  const finals = (await pipeline.emitted()).filter((r) => r.alert_key === 'ext-1' && r.phase === 'final');
  const report = finals.at(-1);
  expect(report?.findings.map((f) => [f.inspector, f.verdict, f.title])).toContainEqual(['whois', 'suspicious', 'fresh.example registered 2 days ago']);
  // What it discovered is in the report (and inspected in turn by the inspectors that accept IPs).
  expect(report?.attributes.some((a) => a.value === '192.0.2.80' && a.origin === 'whois' && a.depth === 1)).toBe(true);
  expect(report?.verdict).toEqual({ severity: 'high', reason: 'team B: 1 suspicious finding(s)' });
  expect(requests).toEqual([
    expect.objectContaining({ kind: 'alertwarden.inspect', contractVersion: 1, inspector: 'whois', attribute: expect.objectContaining({ value: 'fresh.example' }) }),
  ]);
});
