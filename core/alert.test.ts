import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'vitest';
import { ALERT_LIMITS, AlertSchema } from './alert.ts';
import { ALERT_SCHEMA_PATH, alertJsonSchema } from './alert-json-schema.ts';
import { InvalidAlertError } from './errors.ts';
import { alertFromMessageBody, validateAlert } from './pipeline/intake.ts';

const valid = {
  detector: 'guardduty',
  rule_id: 'Recon:EC2/Portscan',
  alert_key: 'i-0123456789abcdef0',
  attributes: [{ type: 'ipaddr', key: 'remote', value: '198.51.100.1', context: ['remote'] }],
};

const issuesOf = (candidate: unknown) => {
  try {
    validateAlert(candidate);
  } catch (error) {
    assert.ok(error instanceof InvalidAlertError);
    return error.issues;
  }
  assert.fail('expected the alert to be rejected');
};

describe('Alert contract', () => {
  test('a valid alert parses, with defaults for attributes and contexts', () => {
    const alert = validateAlert({ detector: 'd', rule_id: 'r', attributes: [{ type: 'domain', key: 'k', value: 'evil.example' }] });
    assert.deepEqual(alert.attributes[0]?.context, []);
    assert.deepEqual(validateAlert({ detector: 'd', rule_id: 'r' }).attributes, []);
  });

  test('missing detector and rule_id are named, each "is required"', () => {
    const issues = issuesOf({});
    assert.deepEqual(issues.map((i) => `${i.path}: ${i.message}`).sort(), ['detector: detector is required', 'rule_id: rule_id is required']);
    assert.equal(issuesOf({ detector: 7, rule_id: 'r' })[0]?.message, 'detector must be a string');
  });

  test('an attribute failing its type check is kept as an unverified note with the reason; the alert and its other attributes stay', () => {
    const cases: [string, string, string][] = [
      ['ipaddr', '300.1.1.1', 'an IPv4 or IPv6 address'],
      ['domain', 'not a domain', 'a DNS name'],
      ['url', 'javascript:alert(1)', 'an http(s) or ftp URL'],
      ['filehash', 'xyz', 'an MD5, SHA-1, SHA-256 or SHA-512 hex digest'],
      ['aws_instance_id', 'instance-1', 'an EC2 instance id (i-…)'],
      ['aws_access_key_id', 'GeneratedFindingAccessKeyId', 'an access key id (AKIA…/ASIA…)'],
      ['aws_account_id', '12345', 'a 12-digit account id'],
      ['aws_arn', 'arn:nope', 'an ARN (arn:aws:…)'],
      ['port', '65536', 'a port number 0-65535'],
    ];
    for (const [type, value, expected] of cases) {
      const alert = validateAlert({ ...valid, attributes: [valid.attributes[0], { type, key: 'k', value }] });
      assert.deepEqual(alert.attributes, [valid.attributes[0]], `${type}=${value}`);
      assert.deepEqual(alert.unverified, [{ type, key: 'k', value, reason: `value is not ${expected}` }], `${type}=${value}`);
    }
    assert.equal(validateAlert(valid).unverified, undefined, 'a clean alert carries no notes');
  });

  test('unknown attribute types, contexts and fields become notes too; unknown alert fields are still refused', () => {
    const noteOf = (attribute: unknown) => validateAlert({ ...valid, attributes: [attribute] }).unverified?.[0];
    assert.match(noteOf({ type: 'ssn', key: 'k', value: 'v' })?.reason ?? '', /^type must be one of/);
    assert.match(noteOf({ ...valid.attributes[0], context: ['everywhere'] })?.reason ?? '', /^context\[0\]: context must be one of/);
    assert.match(noteOf({ ...valid.attributes[0], severity: 'high' })?.reason ?? '', /Unrecognized key: "severity"/);
    assert.deepEqual(noteOf({ type: 'ipaddr', key: 'k', value: 443 }), { type: 'ipaddr', key: 'k', value: '443', reason: 'value must be a string' });
    assert.match(issuesOf({ ...valid, severity: 'high' })[0]?.message ?? '', /severity/);
  });

  test('source_severity is a level from the list, with the raw value optional', () => {
    assert.deepEqual(validateAlert({ ...valid, source_severity: { level: 'high', raw: 8 } }).source_severity, { level: 'high', raw: 8 });
    assert.equal(issuesOf({ ...valid, source_severity: { level: 'urgent' } })[0]?.path, 'source_severity.level');
  });

  test('size limits: attribute count, description, identifiers, body', () => {
    const many = Array.from({ length: ALERT_LIMITS.attributes + 1 }, (_, i) => ({ type: 'ipaddr', key: 'k', value: `10.0.${i >> 8}.${i & 255}` }));
    assert.equal(issuesOf({ ...valid, attributes: many })[0]?.path, 'attributes');
    // Bad attributes count against the limit as sent: notes cannot be used to smuggle in more.
    assert.equal(issuesOf({ ...valid, attributes: many.map((a) => ({ ...a, value: 'bad' })) })[0]?.path, 'attributes');
    assert.equal(issuesOf({ ...valid, description: 'x'.repeat(ALERT_LIMITS.descriptionChars + 1) })[0]?.path, 'description');
    assert.equal(issuesOf({ ...valid, rule_id: 'é'.repeat(ALERT_LIMITS.idBytes) })[0]?.path, 'rule_id');
    assert.equal(issuesOf({ ...valid, body: { blob: 'x'.repeat(ALERT_LIMITS.bodyBytes) } })[0]?.path, 'body');
    assert.doesNotThrow(() => validateAlert({ ...valid, body: { blob: 'x'.repeat(ALERT_LIMITS.bodyBytes - 20) } }));
  });

  test('SQS bodies: an SNS envelope and a raw alert are both accepted; anything else is explained', () => {
    const envelope = JSON.stringify({ Type: 'Notification', MessageId: 'm', Message: JSON.stringify(valid) });
    assert.equal(alertFromMessageBody(envelope).rule_id, valid.rule_id);
    assert.equal(alertFromMessageBody(JSON.stringify(valid)).rule_id, valid.rule_id);
    assert.throws(() => alertFromMessageBody('{"Type":"Notification","Message":"{oops"}'), /SNS Message is not valid JSON/);
    assert.throws(() => alertFromMessageBody('[1,2]'), /must be a JSON object/);
    assert.throws(() => alertFromMessageBody('{"Type":"Notification","Message":{"detector":"d"}}'), /Message must be a string/);
  });

  test('the published JSON Schema is the one generated from the zod schema (run `npm run schema`)', () => {
    const committed = JSON.parse(readFileSync(ALERT_SCHEMA_PATH, 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(alertJsonSchema())));
    assert.deepEqual(committed.required.sort(), ['detector', 'rule_id']);
    assert.equal(AlertSchema.safeParse(valid).success, true);
  });
});
