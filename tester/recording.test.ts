import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { compactReportMessage, messageOf, publishInputOf } from '../emitters/sns/index.ts';
import { makeAlert, makeReport } from '../core/testing.ts';
import { recordOf, RecordingError } from './recording.ts';

const notification = (report: ReturnType<typeof makeReport>, body: string) => {
  const input = publishInputOf(report, 'arn:aws:sns:us-east-1:123456789012:r', body);
  return {
    MessageId: 'm-1',
    Message: input.Message!,
    MessageAttributes: Object.fromEntries(Object.entries(input.MessageAttributes!).map(([k, v]) => [k, { Type: 'String', Value: v.StringValue! }])),
  };
};

describe('recordOf reads what the sns emitter publishes', () => {
  const report = makeReport({ version: 3, phase: 'final', verdict: { severity: 'high', reason: 'r' }, alerts: [makeAlert(), makeAlert({ alert_key: 'b' })] });

  test('the full report', () => {
    const r = recordOf(notification(report, messageOf(report).body), '2026-11-23T00:00:00.000Z');
    assert.deepEqual(
      { alertId: r.alertId, reportId: r.reportId, version: r.version, phase: r.phase, severity: r.severity, alertCount: r.alertCount, compact: r.compact },
      { alertId: report.alertId, reportId: report.id, version: 3, phase: 'final', severity: 'high', alertCount: 2, compact: false },
    );
    assert.deepEqual(r.attributes, { severity: 'high', phase: 'final', report_id: report.id });
  });

  test('the compact form of a report too large for SNS still names its alert id and counts', () => {
    const r = recordOf(notification(report, compactReportMessage(report)), '2026-11-23T00:00:00.000Z');
    assert.equal(r.alertId, report.alertId);
    assert.equal(r.alertCount, 2);
    assert.equal(r.compact, true);
  });

  test('anything else is refused with the message id', () => {
    assert.throws(() => recordOf({ MessageId: 'm-9', Message: 'hello' }, 'now'), (e: Error) => e instanceof RecordingError && /m-9 is not JSON/.test(e.message));
    assert.throws(() => recordOf({ MessageId: 'm-9', Message: '{"id":"x"}' }, 'now'), /m-9 is not a report: alertId/);
  });
});
