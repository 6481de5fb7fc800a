import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { AttributeType } from '../../core/alert.ts';
import type { PastReport, SightingQuery, SightingReader } from '../../core/store.ts';
import { runInspector } from '../../core/testing.ts';
import { correlationInspectorFromEnv, createCorrelationInspector } from './index.ts';

const NOW = Date.parse('2026-11-30T10:00:00Z');

const reader = (reports: PastReport[]) => {
  const asked: { type: AttributeType; value: string; query: SightingQuery }[] = [];
  const sightings: SightingReader = {
    async findSightings(type, value, query) {
      asked.push({ type, value, query });
      return reports.filter((r) => r.reportId !== query.excludeReportId).slice(0, query.limit);
    },
  };
  return { sightings, asked };
};

const past = (n: number, severity?: PastReport['severity']): PastReport => ({
  reportId: `r${n}`,
  detector: 'guardduty',
  rule_id: n % 2 ? 'Recon:EC2/PortProbeUnprotectedPort' : 'UnauthorizedAccess:EC2/SSHBruteForce',
  ...(severity ? { severity } : {}),
  firstSeen: new Date(NOW - n * 86_400_000).toISOString(),
  lastSeen: new Date(NOW - n * 86_400_000 + 60_000).toISOString(),
});

test('earlier reports of the value: ids, rules, severities, first and last seen; the report itself left out', async () => {
  const { sightings, asked } = reader([past(1, 'low'), past(2), past(3, 'medium')]);
  const result = await runInspector(createCorrelationInspector({ sightings, days: 14, now: () => NOW }), { type: 'ipaddr', key: 'remote', value: '198.51.100.7' }, { reportId: 'r-current' });
  assert.deepEqual(asked, [{ type: 'ipaddr', value: '198.51.100.7', query: { sinceMs: NOW - 14 * 86_400_000, limit: 21, excludeReportId: 'r-current' } }]);
  const [finding] = result.findings;
  assert.equal(finding?.verdict, 'info');
  assert.equal(finding?.title, 'seen in 3 earlier reports in 14 days (rules Recon:EC2/PortProbeUnprotectedPort, UnauthorizedAccess:EC2/SSHBruteForce; worst medium)');
  assert.deepEqual(finding?.detail?.reports, [past(1, 'low'), past(2), past(3, 'medium')]);
  assert.equal(finding?.detail?.firstSeen, past(3).firstSeen);
  assert.equal(finding?.detail?.lastSeen, past(1).lastSeen);
});

test('a value from an earlier high or critical report is suspicious', async () => {
  const { sightings } = reader([past(1), past(5, 'critical')]);
  const result = await runInspector(createCorrelationInspector({ sightings, now: () => NOW }), { type: 'aws_access_key_id', key: 'key', value: 'AKIAIOSFODNN7EXAMPLE' });
  assert.equal(result.findings[0]?.verdict, 'suspicious');
  assert.match(result.findings[0]!.title, /worst critical/);
});

test('never seen before: no finding', async () => {
  const { sightings } = reader([]);
  assert.deepEqual(await runInspector(createCorrelationInspector({ sightings }), { type: 'domain', key: 'q', value: 'new.example' }), { findings: [] });
});

test('more than 20 earlier reports: 20 shown, the rest summarised', async () => {
  const { sightings } = reader(Array.from({ length: 30 }, (_, i) => past(i + 1)));
  const result = await runInspector(createCorrelationInspector({ sightings, now: () => NOW }), { type: 'ipaddr', key: 'remote', value: '198.51.100.7' });
  assert.match(result.findings[0]!.title, /^seen in 20 or more earlier reports in 30 days/);
  assert.equal((result.findings[0]?.detail?.reports as unknown[]).length, 20);
  assert.equal(result.findings[0]?.detail?.truncated, true);
});

test('configuration', () => {
  assert.throws(() => correlationInspectorFromEnv({}, undefined), /report store/);
  assert.throws(() => correlationInspectorFromEnv({ ALERTWARDEN_CORRELATION_DAYS: '0' }, reader([]).sightings), /ALERTWARDEN_CORRELATION_DAYS/);
  assert.equal(correlationInspectorFromEnv({ ALERTWARDEN_CORRELATION_DAYS: '7' }, reader([]).sightings).name, 'correlation');
});

test('rule ids as long as an alert allows still make one short title (the contract caps titles at 1024)', async () => {
  const long = (n: number): PastReport => ({ ...past(n), rule_id: `${n}-${'r'.repeat(1020)}` });
  const { sightings } = reader([1, 2, 3, 4, 5, 6].map(long));
  const result = await runInspector(createCorrelationInspector({ sightings, now: () => NOW }), { type: 'ipaddr', key: 'remote', value: '198.51.100.7' });
  const [finding] = result.findings;
  assert.ok(finding!.title.length <= 600, `title of ${finding!.title.length} characters`);
  assert.equal((finding?.detail?.reports as PastReport[])[0]?.rule_id.length, 1022, 'the detail keeps the full ids');
});
