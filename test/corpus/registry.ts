/**
 * The hostile-input registry. A case is one line:
 *
 *   hostileCase({ name: 'slack: mention in a user name', input: alertWith({ rule_name: '<!channel>' }), expect: neutralised() });
 *
 * Put such lines in any `*.hostile.ts` file, next to the plugin they concern (e.g.
 * `emitters/slack/slack.hostile.ts`): `test/corpus/corpus.test.ts` finds every such file,
 * sends all cases through the local pipeline in mixed batches with valid alerts, and checks
 * each one. A case is either
 *   - rejected: recorded at ingest (runtime.rejections()) with an issue at `path` whose message
 *     is `message` (exact string, or a pattern for texts that come from the JSON parser); or
 *   - neutralised: accepted, reviewed, emitted, and its console summary is safe to show
 *     (see assertSafeSummary), plus any check the case adds.
 */
import assert from 'node:assert/strict';
import type { Report } from '../../core/report.ts';

export type HostileInput =
  /** The text a tool publishes to the alert topic; it reaches the queue inside an SNS envelope. */
  | { message: string }
  /** The raw SQS message body, as it would arrive from something sending straight to the queue. */
  | { sqsBody: string };

export interface NeutralisedView {
  /** The final report as the emitters received it. */
  report: Report;
  /** What the console emitter printed for it. */
  summary: string;
}

export type HostileExpectation =
  | { outcome: 'rejected'; path: string; message: string | RegExp }
  | { outcome: 'neutralised'; check?: (seen: NeutralisedView) => void };

export interface HostileCase {
  name: string;
  input: HostileInput;
  expect: HostileExpectation;
}

const cases: HostileCase[] = [];

export const hostileCase = (c: HostileCase): void => {
  if (cases.some((existing) => existing.name === c.name)) throw new Error(`hostile case ${JSON.stringify(c.name)} is registered twice`);
  cases.push(c);
};

export const hostileCases = (): readonly HostileCase[] => cases;

/** Refused at ingest with an issue at `path` (`''` for the message as a whole) saying `message`. */
export const rejected = (path: string, message: string | RegExp): HostileExpectation => ({ outcome: 'rejected', path, message });

/** Accepted and shown safely; `check` may assert more on the report or its summary. */
export const neutralised = (check?: (seen: NeutralisedView) => void): HostileExpectation =>
  check ? { outcome: 'neutralised', check } : { outcome: 'neutralised' };

/**
 * Accepted, with the single attribute the case sent kept only as an unverified note whose
 * reason is `reason`: one bad attribute never costs the alert, and is never inspected.
 */
export const unverified = (reason: string | RegExp): HostileExpectation =>
  neutralised(({ report }) => {
    const notes = report.alerts.flatMap((a) => a.unverified ?? []);
    assert.equal(notes.length, 1, `one note, got ${JSON.stringify(notes)}`);
    if (typeof reason === 'string') assert.equal(notes[0]!.reason, reason);
    else assert.match(notes[0]!.reason, reason);
    assert.deepEqual(report.attributes, [], 'the unverified attribute is not among those inspected');
  });

let serial = 0;

/** The alert object `alertWith` builds, for cases that need to serialise it themselves. */
export const alertObject = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({
  detector: 'corpus',
  rule_id: 'hostile-input',
  // A key per case, so that every accepted case has a report of its own.
  alert_key: `case-${++serial}`,
  attributes: [{ type: 'ipaddr', key: 'remote', value: '198.51.100.20', context: ['remote'] }],
  ...fields,
});

/** A valid alert with some fields replaced (or removed, with `undefined`), published as JSON. */
export const alertWith = (fields: Record<string, unknown> = {}): HostileInput => ({ message: JSON.stringify(alertObject(fields)) });

/**
 * A valid alert with `field` set to raw JSON text, for what an object literal cannot express
 * (`__proto__` keys) or what is too deep to build as objects.
 */
export const alertWithJson = (field: string, rawJson: string): HostileInput => {
  const text = JSON.stringify(alertObject({ [field]: 0 }));
  return { message: text.replace(`${JSON.stringify(field)}:0`, `${JSON.stringify(field)}:${rawJson}`) };
};

/** An alert with a single attribute, published as JSON. */
export const attributeWith = (attribute: Record<string, unknown>): HostileInput =>
  alertWith({ attributes: [{ type: 'username', key: 'user', value: 'alice', context: ['subject'], ...attribute }] });

/** An SNS envelope around `message`, sent straight to the queue (for envelopes a real topic would never send). */
export const snsEnvelopeBody = (fields: Record<string, unknown>): HostileInput => ({
  sqsBody: JSON.stringify({ Type: 'Notification', MessageId: 'c0ffee00-0000-4000-8000-000000000000', TopicArn: 'arn:aws:sns:us-east-1:000000000000:alerts', ...fields }),
});
