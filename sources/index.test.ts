import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alertsFromDocument, alertsFromMessageBody } from './index.ts';
import { fixture } from './testing.ts';

const sns = (message: string) => JSON.stringify({ Type: 'Notification', MessageId: 'm-1', Message: message });

describe('source detection and envelopes', () => {
  test('an alert as the detail of a custom EventBridge event', () => {
    const outcome = alertsFromDocument({ version: '0', id: 'e', 'detail-type': 'Canary alert', source: 'acme.canary', detail: { detector: 'canary', rule_id: 'token-used' } });
    assert.deepEqual(outcome.alerts.map((a) => [a.source, a.path, a.alert.rule_id]), [['alert', 'detail', 'token-used']]);
  });

  test('an EventBridge event of a kind no adapter reads is refused, naming its detail-type', () => {
    const outcome = alertsFromDocument({ version: '0', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: { state: 'running' } });
    assert.equal(outcome.rejections[0]?.issues[0]?.path, 'detail-type');
    assert.match(outcome.rejections[0]!.reason, /"EC2 Instance State-change Notification" from "aws.ec2" is not one AlertWarden reads/);
  });

  test('what is not an object is refused', () => {
    for (const document of [null, [1], 'alert', 3]) {
      assert.equal(alertsFromDocument(document).rejections[0]?.issues[0]?.message, 'an alert must be a JSON object');
    }
  });

  test('an SQS body: SNS envelope around an EventBridge GuardDuty event', () => {
    const outcome = alertsFromMessageBody(sns(JSON.stringify(fixture('guardduty', 'eventbridge-credential-exfiltration.json'))));
    assert.deepEqual(outcome.alerts.map((a) => [a.source, a.alert.source_severity?.level]), [['guardduty', 'high']]);
  });

  test("a rejected message quotes the publisher's text, not the SNS envelope", () => {
    assert.equal(alertsFromMessageBody(sns('root login detected')).rejections[0]?.excerpt, 'root login detected');
    assert.equal(alertsFromMessageBody(sns('{"rule_id":"r"}')).rejections[0]?.excerpt, '{"rule_id":"r"}');
    assert.equal(alertsFromMessageBody('not json').rejections[0]?.excerpt, 'not json');
  });

  test('asking for one source refuses the others', () => {
    const outcome = alertsFromDocument({ detector: 'd', rule_id: 'r' }, { source: 'securityhub' });
    assert.match(outcome.rejections[0]?.reason ?? '', /expected a Security Hub finding in ASFF .* \(--source securityhub\), found an AlertWarden alert/);
  });
});
