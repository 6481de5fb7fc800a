/**
 * The hostile-input corpus, end to end: every case registered in a `*.hostile.ts` file
 * anywhere in the project is sent through the real ingest handler and the local pipeline,
 * each followed by a valid alert so that hostile and valid input share batches. Each case
 * must end as it declares (rejected with its reason, or neutralised), and every valid alert
 * must still become a report.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { SQSRecord } from 'aws-lambda';
import { normalizeIdentifier } from '../../core/identifiers.ts';
import { alertIdOf } from '../../core/ids.ts';
import { defineEmitter } from '../../core/plugins.ts';
import type { Report } from '../../core/report.ts';
import type { Rejection } from '../../core/store.ts';
import { createConsoleEmitter } from '../../emitters/console/index.ts';
import { builtinInspectors } from '../../inspectors/index.ts';
import { snsEnvelopeOf, sqsRecordOf, type LocalRuntime, type ReportView } from '../../local/runtime.ts';
import { reportAlertMetrics } from '../support/metrics.ts';
import { startTestPipeline, type TestPipeline } from '../support/pipeline.ts';
import { hostileCases, type HostileCase, type HostileInput } from './registry.ts';

const PROJECT = new URL('../../', import.meta.url).pathname;
const SEARCHED = ['core', 'adapters', 'functions', 'inspectors', 'reviewer', 'emitters', 'sources', 'detectors', 'test'];

const findHostileFiles = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? findHostileFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.hostile.ts') ? [join(dir, e.name)] : []))),
  );
  return nested.flat().sort();
};
const hostileFiles = (await Promise.all(SEARCHED.map((d) => findHostileFiles(join(PROJECT, d))))).flat();
for (const file of hostileFiles) await import(pathToFileURL(file).href);
const cases = hostileCases();

// Everything but the line break a summary uses between lines; then chat tokens and Markdown links.
const UNSAFE_CHARACTER = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const CHAT_TOKEN = /<[!@#]|<[a-z][a-z0-9+.-]*:/i;
const MAX_SUMMARY_LINE = 1000;

/** What every neutralised case must satisfy, whatever it adds: one screen-safe line per item. */
const assertSafeSummary = (summary: string) => {
  const bad = UNSAFE_CHARACTER.exec(summary);
  assert.equal(bad, null, `summary holds U+${bad?.[0].charCodeAt(0).toString(16).padStart(4, '0')}`);
  assert.doesNotMatch(summary, CHAT_TOKEN, 'summary holds a chat mention or link token');
  assert.doesNotMatch(summary, /\]\(/, 'summary holds a Markdown link');
  for (const line of summary.split('\n')) assert.ok(line.length <= MAX_SUMMARY_LINE, `a summary line of ${line.length} characters`);
};

/** The alert id an accepted case must have a report under, from its own JSON (not from the code under test). */
const alertIdOfInput = (input: HostileInput): string => {
  let raw = JSON.parse('message' in input ? input.message : input.sqsBody) as Record<string, string>;
  if ('sqsBody' in input && raw.Type === 'Notification') raw = JSON.parse(raw.Message!) as Record<string, string>;
  // Ingest hashes identifiers in their NFKC form (core/identifiers.ts), so the lookup does too.
  const id = (s: string) => normalizeIdentifier(s);
  // A GuardDuty finding aggregates by its type and id, as documented in sources/guardduty.
  if (raw['detail-type'] === 'GuardDuty Finding') {
    const detail = raw.detail as unknown as Record<string, string>;
    return alertIdOf({ detector: 'guardduty', rule_id: id(detail.type!), alert_key: id(detail.id!) });
  }
  // Security Hub's OCSF findings aggregate by their type and finding uid (sources/securityhub/ocsf.ts).
  if (raw['detail-type'] === 'Findings Imported V2') {
    const finding = (raw.detail as unknown as { findings: { finding_info: { uid: string; types: string[] } }[] }).findings[0]!;
    return alertIdOf({ detector: 'securityhub', rule_id: id(finding.finding_info.types[0]!), alert_key: id(finding.finding_info.uid) });
  }
  // As `aws guardduty get-findings` prints them: the same, in PascalCase.
  if (Array.isArray(raw.Findings)) {
    const finding = raw.Findings[0] as Record<string, string>;
    return alertIdOf({ detector: 'guardduty', rule_id: id(finding.Type!), alert_key: id(finding.Id!) });
  }
  return alertIdOf({ detector: id(raw.detector!), rule_id: id(raw.rule_id!), ...(raw.alert_key !== undefined ? { alert_key: id(raw.alert_key) } : {}) });
};

const VALID_KEYS = 10;

const recordOf = (input: HostileInput): SQSRecord => ('message' in input ? sqsRecordOf(snsEnvelopeOf(input.message)) : sqsRecordOf(input.sqsBody));

let pipeline: TestPipeline;
let runtime: LocalRuntime;
const delivered = new Map<string, { report: Report; summary: string }>();
const sent: { hostile: { c: HostileCase; record: SQSRecord }[]; valid: { key: string; description: string; record: SQSRecord }[] } = {
  hostile: [],
  valid: [],
};
let views: ReportView[] = [];
let rejections: Rejection[] = [];
const prototypeKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

// The real console emitter, writing into a buffer per report: what an analyst would read.
const consoleCapture = defineEmitter({
  name: 'console-capture',
  emit: async (report, ctx) => {
    const chunks: string[] = [];
    const stream = new Writable({ write: (chunk, _enc, done) => (chunks.push(String(chunk)), done()) });
    const result = await createConsoleEmitter({ stream }).emit(report, ctx);
    if (report.phase === 'final') delivered.set(report.id, { report, summary: chunks.join('') });
    return result;
  },
});

beforeAll(async () => {
  pipeline = await startTestPipeline({
    // Every default inspector plus correlation, which is opt-in (its hostile cases need it on).
    env: { ALERTWARDEN_EMITTERS: 'file,console-capture', ALERTWARDEN_INSPECTORS: [...builtinInspectors({}).map((i) => i.name), 'correlation'].join(',') },
    extraEmitters: [consoleCapture],
  });
  runtime = pipeline.runtime;
  const records: SQSRecord[] = [];
  cases.forEach((c, n) => {
    const hostile = recordOf(c.input);
    // Ten keys: the valid alerts aggregate (fewer executions, a faster test) while each stays a distinct member.
    const key = `valid-${n % VALID_KEYS}`;
    const alert = JSON.stringify({
      detector: 'corpus',
      rule_id: 'valid',
      alert_key: key,
      description: `valid alert ${n}`,
      attributes: [{ type: 'ipaddr', key: 'src', value: '192.0.2.1' }],
    });
    // Half the valid alerts come through SNS, half straight to the queue: both paths must survive the mix.
    const valid = n % 2 ? sqsRecordOf(snsEnvelopeOf(alert)) : sqsRecordOf(alert);
    sent.hostile.push({ c, record: hostile });
    sent.valid.push({ key, description: `valid alert ${n}`, record: valid });
    records.push(hostile, valid);
  });
  await runtime.deliver(records);
  await runtime.drain();
  [views, rejections] = await Promise.all([runtime.reports(), runtime.rejections()]);
});

afterAll(async () => {
  await pipeline?.stop();
});

test(`the corpus holds at least 50 cases (found ${cases.length} in ${hostileFiles.map((f) => relative(PROJECT, f)).join(', ')})`, () => {
  assert.ok(cases.length >= 50);
  const accepted = cases.filter((c) => c.expect.outcome === 'neutralised').map((c) => alertIdOfInput(c.input));
  assert.equal(new Set(accepted).size, accepted.length, 'each neutralised case needs an alert key of its own');
});

describe('each hostile case ends as declared', () => {
  for (const c of cases) {
    test(`${c.expect.outcome}: ${c.name}`, () => {
      const messageId = sent.hostile.find((h) => h.c === c)!.record.messageId;
      const rejection = rejections.find((r) => r.messageId === messageId);
      if (c.expect.outcome === 'rejected') {
        assert.ok(rejection, 'expected a rejection, but the message was accepted');
        const { path, message } = c.expect;
        const match = rejection.issues.find((i) => i.path === path && (typeof message === 'string' ? i.message === message : message.test(i.message)));
        assert.ok(match, `no issue at ${JSON.stringify(path)} matching ${String(message)}; got ${JSON.stringify(rejection.issues)}`);
        return;
      }
      assert.equal(rejection, undefined, `expected acceptance, but it was rejected: ${rejection?.reason}`);
      const reports = views.filter((v) => v.report.alertId === alertIdOfInput(c.input));
      assert.equal(reports.length, 1, 'one report');
      const seen = delivered.get(reports[0]!.report.id);
      assert.ok(seen, 'the final report reached the emitters');
      assert.equal(seen.report.alerts.length, 1);
      assertSafeSummary(seen.summary);
      c.expect.check?.(seen);
    });
  }
});

test('every valid alert sent between the hostile ones is a member of exactly one reviewed, emitted report', (t) => {
  const members = new Map<string, number>();
  for (const { report } of delivered.values()) {
    for (const a of report.alerts) if (a.rule_id === 'valid') members.set(a.description!, (members.get(a.description!) ?? 0) + 1);
  }
  const found = sent.valid.filter(({ description }) => members.get(description) === 1);
  const neutralised = cases.filter((c) => c.expect.outcome === 'neutralised');
  const neutralisedFound = neutralised.filter((c) => [...delivered.values()].some(({ report }) => report.alertId === alertIdOfInput(c.input) && report.alerts.length === 1));
  reportAlertMetrics(t, { sent: sent.valid.length + neutralised.length, inReports: found.length + neutralisedFound.length });
  assert.equal(found.length, sent.valid.length);
  assert.equal(members.size, sent.valid.length, 'no member that was not sent');
  assert.equal(views.length, Math.min(VALID_KEYS, sent.valid.length) + neutralised.length, 'no report for a rejected case, none missing');
});

test('rejections are exactly the rejected cases, each bounded, quoting input only escaped', () => {
  const expected = sent.hostile.filter(({ c }) => c.expect.outcome === 'rejected').map(({ record }) => record.messageId);
  assert.deepEqual(rejections.map((r) => r.messageId).sort(), expected.sort());
  for (const r of rejections) {
    assert.ok(r.reason.length <= 8192, `a reason of ${r.reason.length} characters`);
    assert.ok(r.issues.length <= 21);
    assert.ok(r.excerpt.length <= 512 * 6);
    for (const text of [r.excerpt, r.reason, ...r.issues.flatMap((i) => [i.path, i.message])]) {
      assert.equal(UNSAFE_CHARACTER.exec(text), null, `rejection ${r.messageId} quotes an unsafe character: ${JSON.stringify(text)}`);
    }
  }
});

test('nothing was dead-lettered or failed, the JSONL output is whole, and Object.prototype is untouched', async () => {
  assert.equal(runtime.deadLetters.length, 0, 'no hostile message may look transient');
  assert.deepEqual(runtime.engine.failures, []);
  assert.deepEqual(await runtime.pipelineFailures(), []);
  const emitted = await pipeline.emitted(); // parses every line: a torn line throws
  assert.ok(emitted.length >= views.length);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeysBefore);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
