/**
 * Integration scenarios, written once against a `Target` and run twice: on the local engine in
 * `npm test` (tester/local.test.ts) and against a deployed stage in `npm run test:integration`
 * (tester/aws.integration.ts). They observe only what a subscriber of the report topic sees,
 * through the tester's recording emitter.
 */
import assert from 'node:assert/strict';
import type { AlertInput } from '../core/alert.ts';
import { alertIdOf } from '../core/ids.ts';
import { discoveredAddressOf, testerDomain } from './inspector.ts';
import type { Recorded } from './recording.ts';

export interface Target {
  readonly name: string;
  /** Publishes alerts the way a security tool does (the alert topic -> queue -> ingest). */
  publish(alerts: readonly AlertInput[]): Promise<void>;
  /**
   * What the recording emitter received for one alert id, once `until` holds (and deliveries in
   * flight have landed) or the timeout has passed; oldest version first.
   */
  waitForReports(alertId: string, until: (records: Recorded[]) => boolean, timeoutMs: number): Promise<Recorded[]>;
}

export interface ScenarioContext {
  /** Unique per run, so runs against a shared stage never see each other's reports. */
  runId: string;
  timeoutMs: number;
}

export interface Scenario {
  name: string;
  run(target: Target, ctx: ScenarioContext): Promise<void>;
}

const DETECTOR = 'alertwarden-tester';
let sequence = 0;

const alert = (ctx: ScenarioContext, key: string, rule: string, attributes: AlertInput['attributes'] = []): AlertInput => ({
  detector: DETECTOR,
  rule_id: rule,
  alert_key: `${ctx.runId}-${key}`,
  description: `tester scenario ${key}`,
  timestamp: new Date(Date.now() + ++sequence).toISOString(),
  attributes,
});

const idOf = (a: AlertInput): string => alertIdOf({ detector: a.detector, rule_id: a.rule_id, alert_key: a.alert_key });

const summary = (records: Recorded[]): string =>
  records.length === 0
    ? 'nothing'
    : records.map((r) => `v${r.version} ${r.phase} ${r.severity} alerts=${r.alertCount}`).join(', ');

/** Waits for `until`; fails naming what was expected and what arrived instead. */
const expectReports = async (
  target: Target,
  ctx: ScenarioContext,
  a: AlertInput,
  expected: string,
  until: (records: Recorded[]) => boolean,
): Promise<Recorded[]> => {
  const records = await target.waitForReports(idOf(a), until, ctx.timeoutMs);
  assert.ok(until(records), `${target.name}: expected ${expected} for ${a.alert_key} within ${ctx.timeoutMs} ms; received ${summary(records)}`);
  return records;
};

const finalWith = (alerts: number) => (records: Recorded[]) => records.some((r) => r.phase === 'final' && r.alertCount === alerts);

/** The emitter contract: one message per (report version), attributes that match the body. */
const assertDeliveredOncePerVersion = (records: Recorded[]): void => {
  const byVersion = new Map<number, string[]>();
  for (const r of records) byVersion.set(r.version, [...(byVersion.get(r.version) ?? []), r.messageId]);
  for (const [version, ids] of byVersion) assert.equal(ids.length, 1, `version ${version} was delivered ${ids.length} times`);
  for (const r of records) {
    assert.deepEqual(
      { severity: r.attributes.severity, phase: r.attributes.phase, report_id: r.attributes.report_id },
      { severity: r.severity, phase: r.phase, report_id: r.reportId },
      `message attributes of v${r.version} disagree with its body`,
    );
  }
};

interface FindingView {
  inspector: string;
  verdict: string;
  attribute: { type: string; value: string };
}
const findingsOf = (r: Recorded): FindingView[] => (r.body.findings as FindingView[] | undefined) ?? [];

export const scenarios: Scenario[] = [
  {
    name: 'aggregation: three alerts with one key make one report; another key gets its own',
    async run(target, ctx) {
      const same = [1, 2, 3].map(() => alert(ctx, 'aggregation', 'tester-aggregation'));
      const other = alert(ctx, 'aggregation-other', 'tester-aggregation');
      await target.publish([...same, other]);
      const records = await expectReports(target, ctx, same[0]!, 'a final report with 3 alerts', finalWith(3));
      const others = await expectReports(target, ctx, other, 'a final report with 1 alert', finalWith(1));
      assert.equal(new Set(records.map((r) => r.reportId)).size, 1, 'alerts with one key must share one report');
      assert.equal(new Set(others.map((r) => r.reportId)).size, 1);
      assert.notEqual(others[0]!.reportId, records[0]!.reportId, 'another key must get another report');
      assertDeliveredOncePerVersion(records);
      assertDeliveredOncePerVersion(others);
    },
  },
  {
    name: 're-review: inspection and discovery, then a late alert re-opens the report and the update says what changed',
    async run(target, ctx) {
      const suspicious = testerDomain('suspicious', ctx.runId);
      const first = alert(ctx, 're-review', 'tester-re-review', [{ type: 'domain', key: 'query', value: suspicious, context: ['remote'] }]);
      await target.publish([first]);
      const before = await expectReports(target, ctx, first, 'a final report with 1 alert', finalWith(1));
      const report = before.find((r) => r.phase === 'final')!;
      assert.equal(report.severity, 'medium', 'a suspicious finding maps to medium in the default policy');
      const findings = findingsOf(report);
      assert.ok(
        findings.some((f) => f.inspector === 'tester' && f.verdict === 'suspicious' && f.attribute.value === suspicious),
        'the tester inspector inspected the alert attribute',
      );
      assert.ok(
        findings.some((f) => f.inspector === 'tester' && f.verdict === 'info' && f.attribute.value === discoveredAddressOf(suspicious)),
        'the discovered address was inspected in turn',
      );

      const late = { ...first, timestamp: new Date(Date.now()).toISOString(), attributes: [{ type: 'domain' as const, key: 'query', value: testerDomain('malicious', ctx.runId), context: ['remote' as const] }] };
      await target.publish([late]);
      const after = await expectReports(target, ctx, first, 'an updated final report with 2 alerts', finalWith(2));
      assert.equal(new Set(after.map((r) => r.reportId)).size, 1, 'the late alert joins the same report');
      const update = after.filter((r) => r.phase === 'final' && r.alertCount === 2).at(-1)!;
      assert.equal(update.severity, 'high', 'a malicious finding maps to high');
      assert.ok(update.version > report.version);
      const previous = update.body.previous as { version: number } | undefined;
      assert.ok(previous && previous.version < update.version, 'the update names the version it supersedes');
      assert.deepEqual(after.map((r) => r.version), [...new Set(after.map((r) => r.version))].sort((a, b) => a - b));
      assertDeliveredOncePerVersion(after);
    },
  },
  {
    name: 'paging: a critical report reaches the emitters before the aggregation wait, then the final',
    async run(target, ctx) {
      const root = alert(ctx, 'paging', 'tester-root-login', [{ type: 'ipaddr', key: 'source', value: '198.51.100.23', context: ['remote'] }]);
      await target.publish([root]);
      const records = await expectReports(target, ctx, root, 'a preliminary and a final report', (rs) => rs.some((r) => r.phase === 'final') && rs.some((r) => r.phase === 'preliminary'));
      assert.deepEqual(
        records.map((r) => [r.phase, r.severity]),
        [['preliminary', 'critical'], ['final', 'critical']],
      );
      assertDeliveredOncePerVersion(records);
    },
  },
];
