import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { runInspector } from '../core/testing.ts';
import { createTesterInspector, discoveredAddressOf, testerDomain } from './inspector.ts';
import { handler } from './functions/inspector.ts';

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

  test('as the tester stack deploys it: a Lambda handler speaking the external-inspector contract', async () => {
    const domain = testerDomain('malicious', 'lambda');
    const attribute = { id: 'a1', type: 'domain', key: 'q', value: domain, context: [], depth: 0, origin: 'alert' };
    const result = await handler({ kind: 'alertwarden.inspect', contractVersion: 1, inspector: 'tester', reportId: 'r1', attribute });
    assert.equal(result.findings[0]?.verdict, 'malicious');
    await assert.rejects(Promise.resolve(handler({ kind: 'alertwarden.inspect', attribute })), /not an AlertWarden inspector request: contractVersion/);
  });
});
