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

  test('missing detector and rule_id are named', () => {
    const paths = issuesOf({}).map((i) => i.path);
    assert.deepEqual(paths.sort(), ['detector', 'rule_id']);
  });

  test('each attribute type checks its value format, naming the attribute index', () => {
    const cases: [string, string][] = [
      ['ipaddr', '300.1.1.1'],
      ['domain', 'not a domain'],
      ['url', 'javascript:alert(1)'],
      ['filehash', 'xyz'],
      ['aws_instance_id', 'instance-1'],
      ['aws_access_key_id', 'password123'],
      ['aws_account_id', '12345'],
      ['aws_arn', 'arn:nope'],
    ];
    for (const [type, value] of cases) {
      const issues = issuesOf({ ...valid, attributes: [valid.attributes[0], { type, key: 'k', value }] });
      assert.equal(issues[0]?.path, 'attributes[1].value', `${type}=${value}`);
    }
  });

  test('unknown attribute types, unknown contexts and unknown fields are refused', () => {
    assert.equal(issuesOf({ ...valid, attributes: [{ type: 'ssn', key: 'k', value: 'v' }] })[0]?.path, 'attributes[0].type');
    assert.equal(issuesOf({ ...valid, attributes: [{ ...valid.attributes[0], context: ['everywhere'] }] })[0]?.path, 'attributes[0].context[0]');
    assert.match(issuesOf({ ...valid, severity: 'high' })[0]?.message ?? '', /severity/);
  });

  test('size limits: attribute count, description, identifiers, body', () => {
    const many = Array.from({ length: ALERT_LIMITS.attributes + 1 }, (_, i) => ({ type: 'ipaddr', key: 'k', value: `10.0.${i >> 8}.${i & 255}` }));
    assert.equal(issuesOf({ ...valid, attributes: many })[0]?.path, 'attributes');
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
