/** Well-formed JSON with the wrong shape: each refusal names the field. */
import { alertWith, attributeWith, hostileCase, rejected, unverified } from '../registry.ts';

hostileCase({ name: 'detector is a number', input: alertWith({ detector: 7 }), expect: rejected('detector', 'detector must be a string') });
hostileCase({ name: 'rule_id is null', input: alertWith({ rule_id: null }), expect: rejected('rule_id', 'rule_id must be a string') });
hostileCase({ name: 'detector is empty', input: alertWith({ detector: '' }), expect: rejected('detector', 'detector must not be empty') });
hostileCase({ name: 'detector missing', input: alertWith({ detector: undefined }), expect: rejected('detector', 'detector is required') });
hostileCase({ name: 'rule_id missing', input: alertWith({ rule_id: undefined }), expect: rejected('rule_id', 'rule_id is required') });
hostileCase({ name: 'empty object', input: { message: '{}' }, expect: rejected('detector', 'detector is required') });
hostileCase({ name: 'attributes is an object', input: alertWith({ attributes: { type: 'ipaddr' } }), expect: rejected('attributes', 'Invalid input: expected array, received object') });
hostileCase({ name: 'an attribute is a string', input: alertWith({ attributes: ['198.51.100.7'] }), expect: unverified('Invalid input: expected object, received string') });
hostileCase({ name: 'attribute value is a number', input: attributeWith({ type: 'aws_account_id', value: 123456789012 }), expect: unverified('value must be a string') });
hostileCase({ name: 'context is a string', input: attributeWith({ context: 'remote' }), expect: unverified('context: Invalid input: expected array, received string') });
hostileCase({ name: 'timestamp as epoch seconds', input: alertWith({ timestamp: 1_763_888_531 }), expect: rejected('timestamp', 'timestamp must be an ISO 8601 date-time') });
hostileCase({ name: 'timestamp with month 13', input: alertWith({ timestamp: '2026-13-45T00:00:00Z' }), expect: rejected('timestamp', 'timestamp must be an ISO 8601 date-time') });
hostileCase({ name: 'description is an object', input: alertWith({ description: { text: 'x' } }), expect: rejected('description', 'Invalid input: expected string, received object') });
hostileCase({ name: 'unknown top-level field', input: alertWith({ severity: 'critical' }), expect: rejected('', 'Unrecognized key: "severity"') });
hostileCase({
  name: 'unknown field whose name holds a bidi override',
  input: alertWith({ 'sev\u202eytirev': 'low' }),
  expect: rejected('', 'Unrecognized key: "sev\\u202eytirev"'),
});
