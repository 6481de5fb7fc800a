/**
 * Attributes that cannot be what their type says: the alert is accepted, the attribute kept
 * only as an unverified note with the reason (never inspected, shown escaped).
 */
import assert from 'node:assert/strict';
import { attributeWith, hostileCase, neutralised, unverified } from '../registry.ts';

const TYPES = 'ipaddr, domain, url, username, filehash, aws_instance_id, aws_access_key_id, aws_account_id, aws_arn, aws_region, aws_eni_id, event_id, user_agent, port';
const CONTEXTS = 'remote, local, subject, object, client, server, file, additional';
const not = (expected: string) => unverified(`value is not ${expected}`);

hostileCase({
  // deepalert's json type: JSON is not something to inspect, so it is kept in the body (sources/deepalert).
  name: "deepalert's json attribute type",
  input: attributeWith({ type: 'json', value: '{"pid":1}' }),
  expect: neutralised(({ report }) => {
    assert.deepEqual((report.alerts[0]?.body as Record<string, unknown>).deepalert_json, { user: { pid: 1 } });
    assert.deepEqual(report.attributes, []);
  }),
});
hostileCase({ name: 'attribute type in capitals', input: attributeWith({ type: 'IPADDR', value: '198.51.100.7' }), expect: unverified(`type must be one of ${TYPES}`) });
hostileCase({ name: 'invalid IP 999.1.1.1', input: attributeWith({ type: 'ipaddr', value: '999.1.1.1' }), expect: not('an IPv4 or IPv6 address') });
hostileCase({ name: 'IP with a port', input: attributeWith({ type: 'ipaddr', value: '203.0.113.7:443' }), expect: not('an IPv4 or IPv6 address') });
hostileCase({ name: 'IP with leading zeros (octal in some parsers)', input: attributeWith({ type: 'ipaddr', value: '010.0.0.1' }), expect: not('an IPv4 or IPv6 address') });
hostileCase({ name: 'IP with surrounding spaces', input: attributeWith({ type: 'ipaddr', value: ' 203.0.113.7' }), expect: not('an IPv4 or IPv6 address') });
hostileCase({ name: 'a CIDR range as an IP', input: attributeWith({ type: 'ipaddr', value: '10.0.0.0/8' }), expect: not('an IPv4 or IPv6 address') });
hostileCase({ name: 'domain with a bidi override', input: attributeWith({ type: 'domain', value: 'evil\u202eelpmaxe.com' }), expect: not('a DNS name') });
hostileCase({ name: 'domain with a path and markup', input: attributeWith({ type: 'domain', value: 'evil.example/<script>' }), expect: not('a DNS name') });
hostileCase({ name: 'javascript: URL', input: attributeWith({ type: 'url', value: 'javascript:alert(document.cookie)' }), expect: not('an http(s) or ftp URL') });
hostileCase({ name: 'data: URL', input: attributeWith({ type: 'url', value: 'data:text/html,<script>alert(1)</script>' }), expect: not('an http(s) or ftp URL') });
hostileCase({ name: 'file hash of the wrong length', input: attributeWith({ type: 'filehash', value: 'abc123' }), expect: not('an MD5, SHA-1, SHA-256 or SHA-512 hex digest') });
hostileCase({ name: 'instance id that is not one', input: attributeWith({ type: 'aws_instance_id', value: 'i-$(reboot)' }), expect: not('an EC2 instance id (i-…)') });
hostileCase({ name: 'access key id in lower case', input: attributeWith({ type: 'aws_access_key_id', value: 'akiaiosfodnn7example' }), expect: not('an access key id (AKIA…/ASIA…)') });
hostileCase({ name: 'account id of 11 digits', input: attributeWith({ type: 'aws_account_id', value: '12345678901' }), expect: not('a 12-digit account id') });
hostileCase({ name: 'ARN without a partition', input: attributeWith({ type: 'aws_arn', value: 'iam::123456789012:root' }), expect: not('an ARN (arn:aws:…)') });
hostileCase({ name: 'user name with a NUL byte', input: attributeWith({ value: 'root\u0000admin' }), expect: not('a name without control characters') });
hostileCase({ name: 'user name forging a log line', input: attributeWith({ value: 'alice\nINFO user admin authenticated' }), expect: not('a name without control characters') });
hostileCase({
  // ("k\0arn:…", "x") and ("k", "arn:…\0x") would share an attribute id, one hiding the other in the report.
  name: 'NUL in an attribute key (attribute-id collision)',
  input: attributeWith({ type: 'aws_arn', key: 'role\u0000arn:aws:iam::123456789012:role/x', value: 'arn:aws:iam::123456789012:role/y' }),
  expect: unverified('key must not contain control characters'),
});
hostileCase({ name: 'empty attribute value', input: attributeWith({ value: '' }), expect: unverified('value must not be empty') });
hostileCase({ name: 'unknown context', input: attributeWith({ context: ['everywhere'] }), expect: unverified(`context[0]: context must be one of ${CONTEXTS}`) });
hostileCase({ name: 'unknown attribute field', input: attributeWith({ severity: 'high' }), expect: unverified('Unrecognized key: "severity"') });
