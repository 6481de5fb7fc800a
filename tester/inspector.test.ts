import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { runInspector } from '../core/testing.ts';
import { createTesterInspector, discoveredAddressOf, testerDomain } from './inspector.ts';
import { testerInspectors } from './plugins.ts';

describe('tester inspector', () => {
  const inspector = createTesterInspector();

  test('a suspicious-marked domain gives a suspicious finding and discovers a TEST-NET address', async () => {
    const domain = testerDomain('suspicious', 'run-1');
    const result = await runInspector(inspector, { type: 'domain', key: 'query', value: domain });
    assert.deepEqual(result.findings, [{ verdict: 'suspicious', title: 'tester: domain marked suspicious', source: 'tester' }]);
    assert.equal(result.newAttributes?.length, 1);
    assert.match(result.newAttributes![0]!.value, /^192\.0\.2\.\d{1,3}$/);
    assert.equal(result.newAttributes![0]!.value, discoveredAddressOf(domain));
  });

  test('a malicious-marked domain gives a malicious finding', async () => {
    const result = await runInspector(inspector, { type: 'domain', key: 'query', value: testerDomain('malicious', 'run-1') });
    assert.equal(result.findings[0]?.verdict, 'malicious');
  });

  test('the discovered address is recognised on re-inspection; anything else finds nothing', async () => {
    const ip = discoveredAddressOf(testerDomain('suspicious', 'x'));
    assert.equal((await runInspector(inspector, { type: 'ipaddr', key: 'resolved', value: ip })).findings[0]?.verdict, 'info');
    assert.deepEqual((await runInspector(inspector, { type: 'ipaddr', key: 'src', value: '198.51.100.7' })).findings, []);
    assert.deepEqual((await runInspector(inspector, { type: 'domain', key: 'q', value: 'malicious.example.org' })).findings, []);
    assert.deepEqual((await runInspector(inspector, { type: 'domain', key: 'q', value: 'x.other.tester.alertwarden.example' })).findings, []);
  });

  test('registered only when ALERTWARDEN_TESTER_PLUGINS is exactly "true"', () => {
    assert.deepEqual(testerInspectors({}).map((i) => i.name), []);
    assert.deepEqual(testerInspectors({ ALERTWARDEN_TESTER_PLUGINS: 'false' }).map((i) => i.name), []);
    assert.deepEqual(testerInspectors({ ALERTWARDEN_TESTER_PLUGINS: '1' }).map((i) => i.name), []);
    assert.deepEqual(testerInspectors({ ALERTWARDEN_TESTER_PLUGINS: 'true' }).map((i) => i.name), ['tester']);
  });
});
