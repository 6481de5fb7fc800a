import assert from 'node:assert/strict';
import { test } from 'vitest';
import { AlertSchema } from './alert.ts';
import { alertFingerprintOf, alertIdOf, attributeIdOf, emissionKeyOf, executionNameOf, reportIdOf, sightingKeyOf } from './ids.ts';

test('alert id depends on detector, rule and key only, and separates its parts', () => {
  const base = { detector: 'd', rule_id: 'r', alert_key: 'k' };
  assert.equal(alertIdOf(base), alertIdOf({ ...base }));
  assert.notEqual(alertIdOf(base), alertIdOf({ ...base, alert_key: 'k2' }));
  assert.notEqual(alertIdOf({ detector: 'ab', rule_id: 'c' }), alertIdOf({ detector: 'a', rule_id: 'bc' }));
});

test('fingerprint ignores key order but not content', () => {
  const a = AlertSchema.parse({ detector: 'd', rule_id: 'r', body: { x: 1, y: 2 } });
  const b = AlertSchema.parse({ rule_id: 'r', body: { y: 2, x: 1 }, detector: 'd' });
  assert.equal(alertFingerprintOf(a), alertFingerprintOf(b));
  assert.notEqual(alertFingerprintOf(a), alertFingerprintOf({ ...a, description: 'other' }));
});

test('execution names fit Step Functions: <= 80 chars of [0-9A-Za-z_-]', () => {
  const name = executionNameOf(reportIdOf(alertIdOf({ detector: 'd', rule_id: 'r' }), Date.UTC(2099, 0, 1)), 12345);
  assert.ok(name.length <= 80, name);
  assert.match(name, /^[0-9A-Za-z_-]+$/);
  assert.notEqual(attributeIdOf({ type: 'ipaddr', key: 'k', value: '1.1.1.1' }), attributeIdOf({ type: 'domain', key: 'k', value: '1.1.1.1' }));
});

test('emission keys are stable per (report, version, emitter) and differ when any part does', () => {
  const reportId = reportIdOf(alertIdOf({ detector: 'd', rule_id: 'r' }), Date.UTC(2099, 0, 1));
  const key = emissionKeyOf(reportId, 3, 'pagerduty');
  assert.equal(key, emissionKeyOf(reportId, 3, 'pagerduty'));
  assert.notEqual(key, emissionKeyOf(reportId, 4, 'pagerduty'));
  assert.notEqual(key, emissionKeyOf(reportId, 3, 'slack'));
  assert.notEqual(key, emissionKeyOf(reportIdOf(alertIdOf({ detector: 'd', rule_id: 'r2' }), Date.UTC(2099, 0, 1)), 3, 'pagerduty'));
  // The longest emitter name the plugin contract allows still fits a PagerDuty dedup_key / HTTP header.
  const longest = emissionKeyOf(reportId, 999_999, 'a'.repeat(40));
  assert.ok(longest.length <= 120, `${longest.length} chars`);
  assert.match(longest, /^[0-9A-Za-z-]+$/);
});

test('a sighting key names a value whatever its attribute key; case folded only where it means nothing', () => {
  assert.equal(sightingKeyOf('ipaddr', '2001:DB8::1'), sightingKeyOf('ipaddr', '2001:db8::1'));
  for (const spelling of ['::ffff:198.51.100.20', '64:ff9b::198.51.100.20', '::FFFF:c633:6414']) assert.equal(sightingKeyOf('ipaddr', spelling), sightingKeyOf('ipaddr', '198.51.100.20'), spelling);
  assert.equal(sightingKeyOf('ipaddr', 'fe80::1%eth0'), sightingKeyOf('ipaddr', 'fe80::1'));
  assert.equal(sightingKeyOf('domain', 'Evil.Example.'), sightingKeyOf('domain', 'evil.example'));
  assert.equal(sightingKeyOf('aws_instance_id', 'i-0ABC'), sightingKeyOf('aws_instance_id', 'i-0abc'));
  // User names and keys are case-sensitive in IAM; a URL path may be too.
  assert.notEqual(sightingKeyOf('username', 'Alice'), sightingKeyOf('username', 'alice'));
  assert.notEqual(sightingKeyOf('ipaddr', '10.0.0.1'), sightingKeyOf('domain', '10.0.0.1'));
  assert.match(sightingKeyOf('url', 'https://x.example/a'), /^[0-9a-f]{32}$/);
});
