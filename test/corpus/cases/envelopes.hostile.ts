/** What reaches the queue but is not an alert in an SNS envelope, nor a raw alert. */
import { hostileCase, rejected, snsEnvelopeBody } from '../registry.ts';

const noDetector = rejected('detector', 'detector is required');

hostileCase({ name: 'SNS envelope whose Message is an object', input: snsEnvelopeBody({ Message: { detector: 'd', rule_id: 'r' } }), expect: rejected('Message', 'the SNS envelope Message must be a string holding the alert JSON') });
hostileCase({ name: 'SNS envelope whose Message is not JSON', input: snsEnvelopeBody({ Message: 'root login detected' }), expect: rejected('', /^the SNS Message is not valid JSON \(.+\)$/) });
hostileCase({ name: 'SNS envelope whose Message is empty', input: snsEnvelopeBody({ Message: '' }), expect: rejected('', /^the SNS Message is not valid JSON \(.+\)$/) });
hostileCase({ name: 'SNS envelope whose Message is null', input: snsEnvelopeBody({ Message: 'null' }), expect: rejected('', 'an alert must be a JSON object') });
hostileCase({ name: 'SNS envelope whose Message is an S3 test event', input: snsEnvelopeBody({ Message: JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' }) }), expect: noDetector });
hostileCase({
  name: 'SNS envelope inside an SNS envelope',
  input: snsEnvelopeBody({ Message: JSON.stringify({ Type: 'Notification', Message: '{"detector":"d","rule_id":"r"}' }) }),
  expect: rejected('', 'Unrecognized keys: "Type", "Message"'),
});
hostileCase({ name: 'SNS subscription confirmation', input: snsEnvelopeBody({ Type: 'SubscriptionConfirmation', Token: 't', SubscribeURL: 'https://sns.example/confirm', Message: 'You have chosen to subscribe' }), expect: noDetector });
hostileCase({ name: 'SQS record holding an S3 event notification', input: { sqsBody: JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put' }] }) }, expect: noDetector });
hostileCase({
  // Read by the GuardDuty adapter, which names what the finding lacks in the user's own terms.
  name: 'SQS record holding an EventBridge GuardDuty event without a finding id',
  input: { sqsBody: JSON.stringify({ version: '0', id: 'e1', 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty', detail: { type: 'Recon:EC2/Portscan' } }) },
  expect: rejected('detail.id', 'id is required (the GuardDuty finding id)'),
});
hostileCase({ name: 'SQS record body that is not JSON', input: { sqsBody: 'hello' }, expect: rejected('', /^the message body is not valid JSON \(.+\)$/) });
hostileCase({ name: 'SQS record with an empty body', input: { sqsBody: '' }, expect: rejected('', /^the message body is not valid JSON \(.+\)$/) });
