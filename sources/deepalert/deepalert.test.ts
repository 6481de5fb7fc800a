import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { alertsFromDocument } from '../index.ts';
import { fixture } from '../testing.ts';

const only = (document: unknown) => {
  const outcome = alertsFromDocument(document);
  assert.deepEqual(outcome.rejections, [], 'no rejection');
  assert.equal(outcome.alerts.length, 1);
  return outcome.alerts[0]!;
};

describe("deepalert alerts as its Go client marshals them", () => {
  test('null attributes, empty strings and the zero time are read as absent', () => {
    const { alert, source } = only(fixture('deepalert', 'go-client-minimal.json'));
    assert.equal(source, 'deepalert');
    assert.deepEqual(alert, { detector: 'falcon-sensor', rule_id: 'suspicious-process', attributes: [] });
  });

  test('empty keys, null contexts, filehashvalue, json attributes and per-attribute timestamps', () => {
    const { alert } = only(fixture('deepalert', 'go-client-full.json'));
    assert.equal(alert.unverified, undefined, 'every attribute maps to a valid one');
    assert.deepEqual(
      alert.attributes.map((a) => [a.type, a.key, a.value, a.context, a.timestamp]),
      [
        ['ipaddr', 'ipaddr', '192.0.2.99', ['remote'], '2024-05-02T23:07:10+09:00'],
        ['ipaddr', 'local ip', '10.0.1.25', [], undefined],
        ['filehash', 'dropped file', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', ['file'], undefined],
        ['username', 'user', 'www-data', ['subject'], undefined],
      ],
    );
    assert.deepEqual(alert.body, { sensor: 'ids-1', deepalert_json: { process: { pid: 4242, cmd: '/tmp/.x/kworker' } } });
    assert.equal(alert.timestamp, '2024-05-02T23:07:12.123456789+09:00');
  });

  test('a native alert without Go traits passes through as it is', () => {
    const native = { detector: 'd', rule_id: 'r', alert_key: 'k', attributes: [{ type: 'domain', key: 'k', value: 'evil.example', context: ['remote'] }] };
    const { alert, source } = only(native);
    assert.equal(source, 'alert');
    assert.deepEqual(alert, native);
  });

  test('without a detector it is still refused: nothing identifies the alert', () => {
    const outcome = alertsFromDocument({ rule_id: 'r', alert_key: '', attributes: null });
    assert.deepEqual(outcome.rejections[0]?.issues, [{ path: 'detector', message: 'detector is required' }]);
  });
});
