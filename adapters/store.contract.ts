/**
 * The contract of the store and archive ports (core/store.ts), one suite run against every
 * implementation: the DynamoDB/S3 adapters (on dynalite and s3rver) and the in-memory ones.
 * A behaviour the pipeline relies on belongs here, so that `--store memory` cannot drift from
 * what runs in AWS.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Alert } from '../core/alert.ts';
import { alertFingerprintOf, alertIdOf, attributeIdOf } from '../core/ids.ts';
import type { Finding, Report, ReportAlert, ReportAttribute } from '../core/report.ts';
import type { Membership, ReportArchive, ReportStore } from '../core/store.ts';

export interface StoreUnderTest {
  /** Records sightings (as when the correlation inspector is enabled). */
  store: ReportStore;
  /** The same storage with sightings off (the default). */
  storeWithoutSightings: ReportStore;
  archive: ReportArchive;
  stop(): Promise<void>;
}


const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 23, 10);

/** A fresh alert id per test: implementations are shared across the tests of a file. */
const alertOf = (key: string = randomUUID(), extra: Partial<Alert> = {}): Alert => ({
  detector: 'contract',
  rule_id: 'scanner-contact',
  alert_key: key,
  attributes: [
    { type: 'ipaddr', key: 'remote', value: '203.0.113.9', context: ['remote'] },
    { type: 'domain', key: 'query', value: 'beacon.example.net', context: ['remote'] },
  ],
  ...extra,
} as Alert);

const attributesOf = (alert: Alert): ReportAttribute[] =>
  alert.attributes.map((a) => ({ ...a, id: attributeIdOf(a), depth: 0, origin: 'alert' }) as ReportAttribute);

const memberOf = (reportId: string, alert: Alert, receivedAt = new Date(T0).toISOString()): Membership => ({
  reportId,
  alert: { ...alert, fingerprint: alertFingerprintOf(alert), receivedAt } as ReportAlert,
  attributes: attributesOf(alert),
});

/**
 * `now` is the store's clock: the wall clock plus what a test has skipped ahead (leases run out
 * without waiting for them); it never goes back, so records the store dates stay live.
 */
export const describeStoreContract = (name: string, start: (options: { now: () => number }) => Promise<StoreUnderTest>): void => {
  describe(`store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: ReportStore;
    let skippedMs = 0;
    let fixedNow: number | undefined;
    const now = () => fixedNow ?? Date.now() + skippedMs;
    beforeAll(async () => {
      subject = await start({ now });
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.stop();
    });

    const open = async (alert = alertOf(), nowMs = T0, windowMs = HOUR) => store.openReport({ alertId: alertIdOf(alert), alert, nowMs, windowMs });

    test('a window aggregates one alert id into one report until it ends; then a new report', async () => {
      const alert = alertOf();
      const first = await open(alert);
      assert.equal((await open(alert, T0 + HOUR - 1)).reportId, first.reportId);
      const next = await open(alert, T0 + HOUR);
      assert.notEqual(next.reportId, first.reportId);
      assert.deepEqual(
        { running: first.running, round: first.round, startedRound: first.startedRound, dirty: first.dirty, version: first.version },
        { running: false, round: 0, startedRound: 0, dirty: false, version: 0 },
      );
      assert.equal(first.alert_key, alert.alert_key);
      assert.equal(first.windowEndsAt, new Date(T0 + HOUR).toISOString());
      const found = await store.findOpenReports([alertIdOf(alert), 'no-such-alert-id'], T0 + HOUR + 1);
      assert.deepEqual([...found.entries()], [[alertIdOf(alert), next.reportId]]);
      assert.equal((await store.findOpenReports([alertIdOf(alert)], T0 + 3 * HOUR)).size, 0, 'an ended window is not open');
    });

    test('a window opened alone: no report state until startReport, or openReport (which repairs it unclaimed)', async () => {
      const alert = alertOf();
      const window = await store.openWindow({ alertId: alertIdOf(alert), alert, nowMs: T0, windowMs: HOUR });
      assert.deepEqual(
        { alertId: window.alertId, createdAtMs: window.createdAtMs, windowEndsAtMs: window.windowEndsAtMs },
        { alertId: alertIdOf(alert), createdAtMs: T0, windowEndsAtMs: T0 + HOUR },
      );
      assert.equal(await store.getState(window.reportId), undefined);
      const again = await store.openWindow({ alertId: alertIdOf(alert), alert, nowMs: T0 + 1, windowMs: HOUR });
      assert.deepEqual(again, window, 'the open window, as it was opened');
      assert.deepEqual([...(await store.findOpenReports([alertIdOf(alert)], T0 + 1)).values()], [window.reportId]);
      const repaired = await open(alert, T0 + 2);
      assert.deepEqual(
        { reportId: repaired.reportId, running: repaired.running, round: repaired.round, createdAt: repaired.createdAt },
        { reportId: window.reportId, running: false, round: 0, createdAt: new Date(T0).toISOString() },
      );
      assert.equal(await store.startReport(window, alert), undefined, 'the state exists now');
    });

    test('members: added once, attributes written once, registered after the follow-up', async () => {
      const alert = alertOf();
      const { reportId } = await open(alert);
      const member = memberOf(reportId, alert);
      assert.deepEqual(await store.addMembers([member]), [{ added: true, registered: false }]);
      assert.deepEqual(await store.addMembers([member]), [{ added: false, registered: false }], 'a redelivery finds it unregistered');
      await store.markMembersRegistered([member]);
      assert.deepEqual(await store.addMembers([member]), [{ added: false, registered: true }]);
      assert.deepEqual((await store.listInspectionState(reportId)).attributes.map((a) => a.id).sort(), member.attributes.map((a) => a.id).sort());
      // A discovered attribute is not overwritten by a later alert carrying it.
      const discovered = { type: 'ipaddr', key: 'resolved', value: '198.51.100.7', context: ['remote'], id: 'x-discovered', depth: 1, origin: 'discovery' } as unknown as ReportAttribute;
      assert.equal(await store.addAttributes(reportId, [discovered]), 1);
      assert.equal(await store.addAttributes(reportId, [discovered]), 0);
      const other = alertOf(alert.alert_key, { description: 'second' });
      await store.addMembers([{ ...memberOf(reportId, other), attributes: [{ ...discovered, depth: 0, origin: 'alert' } as ReportAttribute] }]);
      assert.deepEqual((await store.getAttributes(reportId, ['x-discovered'])).map((a) => a.depth), [1]);
      const snapshot = await store.loadSnapshot(reportId);
      assert.equal(snapshot.alerts.length, 2);
    });

    test('single-alert membership steps agree with the batch ones', async () => {
      const alert = alertOf();
      const { reportId } = await open(alert);
      const { alert: reportAlert } = memberOf(reportId, alert);
      assert.deepEqual(await store.addAlert(reportId, reportAlert), { added: true, registered: false });
      assert.deepEqual(await store.addAlert(reportId, reportAlert), { added: false, registered: false });
      await store.markAlertRegistered(reportId, reportAlert.fingerprint);
      assert.deepEqual(await store.addAlert(reportId, reportAlert), { added: false, registered: true });
      assert.deepEqual(await store.addMembers([memberOf(reportId, alert)]), [{ added: false, registered: true }]);
    });

    test('alert bodies of any JSON shape come back as they went in', async () => {
      const body = JSON.parse('{"__proto__": {"polluted": true}, "constructor": "x", "nested": {"list": [1, "two", null, {"k": false}]}}') as unknown;
      const alert = alertOf(undefined, { body } as Partial<Alert>);
      const { reportId } = await open(alert);
      await store.addMembers([memberOf(reportId, alert)]);
      const [stored] = (await store.loadSnapshot(reportId)).alerts;
      assert.deepEqual(JSON.stringify((stored as unknown as { body: unknown }).body), JSON.stringify(body));
    });

    test('rounds: claim, dirty, review, finish or go again, fail; states read in batches', async () => {
      const { reportId } = await open();
      assert.equal((await store.getStates([reportId, 'no-such-report'])).size, 1);
      const claimed = await store.claimRound(reportId);
      assert.deepEqual({ running: claimed?.running, round: claimed?.round, dirty: claimed?.dirty }, { running: true, round: 1, dirty: true });
      assert.equal(await store.claimRound(reportId), undefined, 'held by the running round');
      await store.confirmStarted(reportId, 1);
      await store.confirmStarted(reportId, 0);
      assert.equal((await store.getState(reportId))?.startedRound, 1);
      assert.equal((await store.beginReview(reportId, 'preliminary')).dirty, true);
      const final = await store.beginReview(reportId, 'final');
      assert.deepEqual({ version: final.version, dirty: final.dirty }, { version: 2, dirty: false });
      await store.markDirty(reportId);
      const again = await store.finishRound(reportId, 1);
      assert.deepEqual({ running: again.running, round: again.round }, { running: true, round: 2 }, 'alerts joined: the next round');
      assert.equal((await store.finishRound(reportId, 1)).round, 2, 'a retried finish changes nothing');
      await store.beginReview(reportId, 'final');
      const done = await store.finishRound(reportId, 2);
      assert.deepEqual({ running: done.running, round: done.round }, { running: false, round: 2 });
      await store.claimRound(reportId);
      const failed = await store.failRound(reportId, `Boom: ${'x'.repeat(5000)}`);
      assert.equal(failed.running, false);
      assert.equal(failed.lastError?.length, 4096);
      assert.equal((await store.claimRound(reportId))?.lastError, undefined, 'a new round clears the last error');
      await assert.rejects(store.markDirty('no-such-report'));
      await assert.rejects(store.beginReview('no-such-report', 'final'));
      assert.equal(await store.claimRound('no-such-report'), undefined);
      assert.equal((await store.getStates(['no-such-report'])).size, 0);
    });

    test('inspection results: findings win over a late failure; the snapshot holds everything in order', async () => {
      const alert = alertOf();
      const { reportId } = await open(alert);
      const member = memberOf(reportId, alert);
      await store.addMembers([member]);
      const [a1, a2] = member.attributes.map((a) => a.id).sort();
      const at = new Date(T0).toISOString();
      const finding: Finding = { inspector: 'blocklist', attributeId: a1!, attribute: { type: 'ipaddr', key: 'remote', value: '203.0.113.9' }, verdict: 'malicious', title: 'listed', inspectedAt: at };
      await store.putFindings(reportId, [{ attributeId: a1!, inspector: 'blocklist', findings: [finding] }]);
      assert.equal(await store.putInspectionFailure(reportId, { attributeId: a1!, inspector: 'blocklist', error: 'Error', message: 'late', failedAt: at }), false, 'findings win');
      assert.equal(await store.putInspectionFailure(reportId, { attributeId: a2!, inspector: 'blocklist', error: 'TimeoutError', message: 'timeout', failedAt: at }), true);
      // A batch's Catch records its error for every pair: the pair's own, recorded first, stays.
      assert.equal(await store.putInspectionFailure(reportId, { attributeId: a2!, inspector: 'blocklist', error: 'Error', message: 'batch failed', failedAt: at }), false);
      assert.deepEqual([...(await store.listInspectionState(reportId)).inspected].sort(), [`${a1}#blocklist`, `${a2}#blocklist`].sort());
      const snapshot = await store.loadSnapshot(reportId);
      assert.deepEqual(snapshot.findings, [finding]);
      assert.deepEqual(snapshot.inspectionFailures.map((f) => [f.attributeId, f.error, f.message]), [[a2, 'TimeoutError', 'timeout']]);
      assert.deepEqual(snapshot.attributes.map((a) => a.id), [a1, a2]);
      const planned = await store.listInspectionState(reportId);
      assert.deepEqual(snapshot.inspected, planned.inspected);
      assert.deepEqual(planned.attributes.map((a) => a.id).sort(), snapshot.attributes.map((a) => a.id).sort(), 'attributes only: no emission or META item among them');
      await assert.rejects(store.loadSnapshot('no-such-report'));
    });

    test('inspection batches: attributes read in the order asked, unknown ids left out; many pairs written in one call', async () => {
      const alert = alertOf();
      const { reportId } = await open(alert);
      // More than BatchWriteItem's 25 puts and BatchGetItem's 100 keys: the adapter slices.
      const attributes = Array.from(
        { length: 120 },
        (_, i) => ({ type: 'ipaddr', key: 'remote', value: `198.51.100.${i}`, context: ['remote'], depth: 1, origin: 'discovery' }) as unknown as ReportAttribute,
      ).map((a) => ({ ...a, id: attributeIdOf(a) }));
      await store.addMembers([{ ...memberOf(reportId, alert), attributes }]);
      const asked = [attributes[7]!.id, 'no-such-attribute', ...attributes.slice(20, 110).map((a) => a.id), attributes[3]!.id];
      assert.deepEqual(
        (await store.getAttributes(reportId, asked)).map((a) => a.id),
        asked.filter((id) => id !== 'no-such-attribute'),
      );
      const at = new Date(T0).toISOString();
      const findingOf = (a: ReportAttribute, title: string): Finding => ({
        inspector: 'blocklist', attributeId: a.id, attribute: { type: 'ipaddr', key: 'remote', value: a.value }, verdict: 'malicious', title, inspectedAt: at,
      });
      await store.putInspectionFailure(reportId, { attributeId: attributes[0]!.id, inspector: 'blocklist', error: 'Error', message: 'first attempt', failedAt: at });
      await store.putFindings(reportId, [
        ...attributes.slice(0, 60).map((a) => ({ attributeId: a.id, inspector: 'blocklist', findings: [findingOf(a, 'listed')] })),
        ...attributes.slice(0, 60).map((a) => ({ attributeId: a.id, inspector: 'geoip', findings: [] })),
        // The same pair twice in one batch: the later result is the one kept.
        { attributeId: attributes[1]!.id, inspector: 'blocklist', findings: [findingOf(attributes[1]!, 'listed again')] },
      ]);
      // An emission record sorts between the attributes and the results: it is neither.
      await store.recordEmission(reportId, { emitter: 'file', version: 1, status: 'delivered', at });
      const { inspected, attributes: listed } = await store.listInspectionState(reportId);
      assert.equal(listed.length, 120, 'the 120 attributes, nothing else of the report');
      assert.equal(inspected.size, 120);
      assert.ok(inspected.has(`${attributes[59]!.id}#geoip`) && !inspected.has(`${attributes[60]!.id}#blocklist`));
      const snapshot = await store.loadSnapshot(reportId);
      assert.deepEqual(snapshot.inspectionFailures, [], 'findings replace the failure record of their pair');
      assert.equal(snapshot.findings.length, 60);
      assert.deepEqual(snapshot.findings.filter((f) => f.attributeId === attributes[1]!.id).map((f) => f.title), ['listed again']);
    });

    test('emissions: claimed until delivered, listed in version order; verdicts saved on the state', async () => {
      const { reportId } = await open();
      const lease = (token: string) => ({ token, untilMs: now() + 60_000 });
      assert.deepEqual(await store.claimEmission(reportId, 'file', 2, lease('a')), { outcome: 'claimed', attempt: 1 });
      await store.releaseEmission(reportId, 'file', 2, 'a');
      assert.deepEqual(await store.claimEmission(reportId, 'file', 2, lease('b')), { outcome: 'claimed', attempt: 2 }, 'a failed attempt may be claimed again');
      await store.recordEmission(reportId, { emitter: 'file', version: 2, status: 'delivered', at: new Date(T0).toISOString() });
      assert.deepEqual(await store.claimEmission(reportId, 'file', 2, lease('c')), { outcome: 'delivered' });
      await store.recordEmission(reportId, { emitter: 'slack', version: 1, status: 'failed', detail: 'HTTP 500', at: new Date(T0).toISOString() });
      assert.equal((await store.claimEmission(reportId, 'console', 3, lease('d'))).outcome, 'claimed');
      assert.deepEqual(
        (await store.listEmissions(reportId)).map((e) => [e.version, e.emitter, e.status, e.detail ?? '', e.at]),
        [
          [1, 'slack', 'failed', 'HTTP 500', new Date(T0).toISOString()],
          [2, 'file', 'delivered', '', new Date(T0).toISOString()],
          [3, 'console', 'pending', '', ''],
        ],
      );
      const verdict = { severity: 'high', reason: 'listed', version: 2, phase: 'final' } as const;
      await store.saveVerdict(reportId, verdict, { version: 2, phase: 'final', severity: 'high', alertCount: 1 });
      const state = await store.getState(reportId);
      assert.deepEqual(state?.lastVerdict, verdict);
      assert.equal(state?.lastEmitted?.alertCount, 1);
    });

    test('a finding detail with constructor and __proto__ keys is stored and read back as data, and its verdict kept', async () => {
      const { reportId } = await open();
      const attributeId = `attr-${randomUUID()}`;
      // Threat-intel answers are arbitrary JSON: these keys must neither fail the write nor touch prototypes.
      const detail = JSON.parse('{"constructor":{"prototype":{"polluted":true}},"__proto__":{"polluted":true},"score":97}') as Record<string, unknown>;
      const finding = { inspector: 'intel', attributeId, attribute: { type: 'ipaddr', key: 'remote', value: '203.0.113.9' }, verdict: 'malicious', title: 'listed', detail, inspectedAt: new Date(T0).toISOString() } as Finding;
      await store.putFindings(reportId, [{ attributeId, inspector: 'intel', findings: [finding] }]);
      const [read] = (await store.loadSnapshot(reportId)).findings;
      assert.equal(read?.verdict, 'malicious');
      assert.equal(JSON.stringify(read?.detail), JSON.stringify(detail));
      assert.ok(Object.prototype.hasOwnProperty.call(read!.detail, '__proto__'), 'the __proto__ key is the finding\'s own data');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    test('an emission lease: no second attempt while it runs, taken over once it has run out, released only by its holder', async () => {
      const { reportId } = await open();
      const first = { token: 'first', untilMs: now() + 60_000 };
      assert.deepEqual(await store.claimEmission(reportId, 'ledger', 1, first), { outcome: 'claimed', attempt: 1 });
      // A slow first attempt is still delivering: the second must wait, and learns until when.
      assert.deepEqual(await store.claimEmission(reportId, 'ledger', 1, { token: 'second', untilMs: now() + 60_000 }), { outcome: 'leased', leaseUntilMs: first.untilMs });
      // Only the holder's token gives the lease back.
      await store.releaseEmission(reportId, 'ledger', 1, 'second');
      assert.equal((await store.claimEmission(reportId, 'ledger', 1, { token: 'third', untilMs: now() + 60_000 })).outcome, 'leased');
      // Other versions and emitters are not held by it.
      assert.equal((await store.claimEmission(reportId, 'ledger', 2, { token: 'v2', untilMs: now() + 60_000 })).outcome, 'claimed');
      assert.equal((await store.claimEmission(reportId, 'console', 1, { token: 'console', untilMs: now() + 60_000 })).outcome, 'claimed');

      // The first attempt died: once its lease has run out, the next attempt takes over and is counted as a repeat.
      skippedMs += 60_001;
      const takeover = { token: 'takeover', untilMs: now() + 60_000 };
      assert.deepEqual(await store.claimEmission(reportId, 'ledger', 1, takeover), { outcome: 'claimed', attempt: 2 });
      // The dead attempt's late release does not free the new holder's lease.
      await store.releaseEmission(reportId, 'ledger', 1, 'first');
      assert.deepEqual(await store.claimEmission(reportId, 'ledger', 1, { token: 'late', untilMs: now() + 60_000 }), { outcome: 'leased', leaseUntilMs: takeover.untilMs });
      // The holder releases after a failed attempt: a retry may claim at once.
      await store.releaseEmission(reportId, 'ledger', 1, 'takeover');
      assert.deepEqual(await store.claimEmission(reportId, 'ledger', 1, { token: 'retry', untilMs: now() + 60_000 }), { outcome: 'claimed', attempt: 3 });
      await store.recordEmission(reportId, { emitter: 'ledger', version: 1, status: 'delivered', at: new Date(now()).toISOString() });
      // A step that gave up afterwards does not overwrite the delivery, and nothing claims it again, even long after.
      await store.recordEmission(reportId, { emitter: 'ledger', version: 1, status: 'failed', detail: 'States.Timeout', at: new Date(now()).toISOString() });
      skippedMs += 120_000;
      assert.deepEqual(await store.claimEmission(reportId, 'ledger', 1, { token: 'after', untilMs: now() + 60_000 }), { outcome: 'delivered' });
      assert.deepEqual(
        (await store.listEmissions(reportId)).filter((e) => e.emitter === 'ledger').map((e) => [e.version, e.status]),
        [[1, 'delivered'], [2, 'pending']],
      );
    });

    test('rejections and pipeline failures are listed per day; a retried failure is listed once', async () => {
      const day = `2031-0${1 + Math.floor(Math.random() * 9)}-${String(10 + Math.floor(Math.random() * 18))}`;
      const rejection = { messageId: randomUUID(), reason: 'detector: required', issues: [{ path: 'detector', message: 'required' }], excerpt: '{}', rejectedAt: `${day}T10:00:00.000Z` };
      await store.recordRejection(rejection);
      await store.recordRejection({ ...rejection, messageId: randomUUID(), rejectedAt: `${day}T09:00:00.000Z` });
      const rejections = await store.listRejections(day);
      assert.deepEqual(rejections.map((r) => r.rejectedAt), [`${day}T09:00:00.000Z`, `${day}T10:00:00.000Z`]);
      assert.deepEqual(rejections[1], rejection);
      const failure = { kind: 'emission', reportId: 'r1', version: 1, emitter: 'slack', error: 'HTTP 500', failedAt: `${day}T11:00:00.000Z` } as const;
      await store.recordFailure(failure);
      await store.recordFailure({ ...failure, error: 'HTTP 502' });
      await store.recordFailure({ kind: 'round', reportId: 'r1', round: 2, error: 'States.Timeout', failedAt: `${day}T10:30:00.000Z` });
      const failures = await store.listFailures(day);
      assert.deepEqual(failures.map((f) => [f.kind, f.error]), [['round', 'States.Timeout'], ['emission', 'HTTP 502']]);
      assert.deepEqual(failures[1], { ...failure, error: 'HTTP 502' });
      assert.deepEqual(await store.listRejections('1999-01-01'), []);
    });

    test('report ids list every report with a state; values handed out are copies', async () => {
      const { reportId } = await open();
      assert.ok((await store.listReportIds()).includes(reportId));
      const state = (await store.getState(reportId))!;
      state.running = true;
      assert.equal((await store.getState(reportId))?.running, false);
    });

    test('sightings: earlier reports of a value in one lookup, newest first, within the window, merged per report, rule and severity from the report', async () => {
      const value = `c2-${randomUUID().slice(0, 8)}.example`;
      const domain = (key: string, depth = 0, origin = 'alert') =>
        ({ type: 'domain', key, value, context: ['remote'], id: attributeIdOf({ type: 'domain', key, value }), depth, origin }) as ReportAttribute;
      const at = (ms: number) => new Date(ms).toISOString();
      // Ahead of the clock (it never goes back), on an hour so that times are exact.
      const T1 = Math.ceil((now() + HOUR) / HOUR) * HOUR;
      try {
        // Report A: the value from an alert under two keys (one sighting), later reviewed high.
        fixedNow = T1;
        const a = alertOf();
        const { reportId: ra } = await open(a, T1);
        assert.deepEqual(await store.addMembers([{ ...memberOf(ra, a), attributes: [domain('query'), domain('answer')] }]), [{ added: true, registered: false }]);
        await store.saveVerdict(ra, { severity: 'high', reason: 'listed', version: 1, phase: 'final' });
        // Report B: the value discovered by an inspector an hour later; a repeat adds nothing.
        fixedNow = T1 + HOUR;
        const { reportId: rb } = await open(alertOf(), T1 + HOUR);
        assert.equal(await store.addAttributes(rb, [domain('resolved', 1, 'dns')]), 1);
        fixedNow = T1 + 90 * 60_000;
        assert.equal(await store.addAttributes(rb, [domain('resolved', 1, 'dns')]), 0);
        // Then under another key: a second sighting of B, merged into one entry.
        assert.equal(await store.addAttributes(rb, [domain('cname', 1, 'dns')]), 1);
        // Report C, the one being inspected now, also holds it.
        fixedNow = T1 + 2 * HOUR;
        const c = alertOf();
        const { reportId: rc } = await open(c, T1 + 2 * HOUR);
        await store.addMembers([{ ...memberOf(rc, c), attributes: [domain('query')] }]);

        const found = await store.findSightings('domain', value.toUpperCase(), { sinceMs: T1 - HOUR, limit: 10, excludeReportId: rc });
        assert.deepEqual(found, [
          { reportId: rb, detector: 'contract', rule_id: 'scanner-contact', firstSeen: at(T1 + HOUR), lastSeen: at(T1 + 90 * 60_000) },
          { reportId: ra, detector: 'contract', rule_id: 'scanner-contact', severity: 'high', firstSeen: at(T1), lastSeen: at(T1) },
        ]);
        assert.deepEqual((await store.findSightings('domain', value, { sinceMs: T1 - HOUR, limit: 10 })).map((r) => r.reportId), [rc, rb, ra], 'the current report too unless excluded');
        assert.deepEqual((await store.findSightings('domain', value, { sinceMs: T1 + 30 * 60_000, limit: 10, excludeReportId: rc })).map((r) => r.reportId), [rb], 'older sightings are outside the window');
        assert.deepEqual((await store.findSightings('domain', value, { sinceMs: T1 - HOUR, limit: 1, excludeReportId: rc })).map((r) => r.reportId), [rb], 'newest first, at most limit reports');
        assert.deepEqual(await store.findSightings('ipaddr', value, { sinceMs: T1 - HOUR, limit: 10 }), [], 'the type is part of the key');

        // Sightings off (the default): nothing recorded, nothing found.
        const other = `quiet-${randomUUID().slice(0, 8)}.example`;
        const quiet = subject.storeWithoutSightings;
        const q = alertOf();
        const { reportId: rq } = await quiet.openReport({ alertId: alertIdOf(q), alert: q, nowMs: T1, windowMs: HOUR });
        await quiet.addMembers([{ ...memberOf(rq, q), attributes: [{ ...domain('query'), value: other, id: 'quiet-1' } as ReportAttribute] }]);
        await quiet.addAttributes(rq, [{ ...domain('resolved'), value: other, id: 'quiet-2' } as ReportAttribute]);
        assert.deepEqual(await quiet.findSightings('domain', other, { sinceMs: 0, limit: 10 }), []);
      } finally {
        fixedNow = undefined;
        skippedMs = Math.max(skippedMs, T1 + 2 * HOUR - Date.now());
      }
    });

    test('budgets: a per-report, per-name allowance taken atomically, never past its limit', async () => {
      const reportId = `budget-${randomUUID()}`;
      const taken = await Promise.all(Array.from({ length: 5 }, () => store.takeBudget(reportId, 'abuseipdb', 3)));
      assert.equal(taken.filter(Boolean).length, 3, `taken ${JSON.stringify(taken)}`);
      assert.equal(await store.takeBudget(reportId, 'abuseipdb', 3), false);
      assert.equal(await store.takeBudget(reportId, 'greynoise', 3), true, 'each service has its own allowance');
      assert.equal(await store.takeBudget(`${reportId}-2`, 'abuseipdb', 3), true, 'each report has its own');
      assert.equal(await store.takeBudget(`${reportId}-3`, 'abuseipdb', 0), false, 'a zero budget allows nothing');
    });

    test('archive: one object per version, read back as written; a missing version is an error', async () => {
      const report = { id: `r-${randomUUID()}`, version: 3, phase: 'final', alerts: [], attributes: [], findings: [], note: 'é ✓' } as unknown as Report;
      const key = await subject.archive.put(report);
      assert.match(key, new RegExp(`${report.id}/v000003\\.json$`));
      assert.deepEqual(await subject.archive.get(report.id, 3), report);
      await assert.rejects(subject.archive.get(report.id, 4));
    });
  });
};
