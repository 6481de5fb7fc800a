/**
 * Hostile cases of the pagerduty emitter (run by test/corpus/corpus.test.ts): PagerDuty relays
 * summaries and custom details to Slack, SMS and e-mail, so the event built from the pipeline's
 * report must carry no chat mention, link token or control character from the alert.
 */
import assert from 'node:assert/strict';
import { alertWith, attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';
import { pagerDutyEventOf } from './index.ts';

const CHAT_TOKEN = /<[!@#]|<https?:/i;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const cleanEvent = neutralised(({ report }) => {
  const event = pagerDutyEventOf(report, 'routing-key', 'trigger', { idempotencyKey: 'k' });
  assert.ok('payload' in event, 'a trigger carries a payload');
  assert.doesNotMatch(JSON.stringify(event.payload), CHAT_TOKEN);
  assert.ok(!CONTROL.test(event.payload.summary), 'control characters in the summary');
  assert.ok(event.payload.summary.length <= 1024);
});

hostileCase({ name: 'pagerduty: <!channel> in a rule name', input: alertWith({ rule_name: '<!channel> wake everyone' }), expect: cleanEvent });
hostileCase({ name: 'pagerduty: mentions and a newline in a user agent', input: alertWith({ description: 'userAgent: Mozilla <!here>\r\nX-Injected: 1' }), expect: cleanEvent });
hostileCase({ name: 'pagerduty: a bidi override in a user name', input: attributeWith({ value: 'admin\u202egnp.exe' }), expect: cleanEvent });
