import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { AttributeSchema } from './alert.ts';
import { InspectorTimeoutError, PluginContractError } from './errors.ts';
import { alertIdOf, attributeIdOf, reportIdOf } from './ids.ts';
import { defineInspector, type Inspector } from './plugins.ts';
import { makeAlert, makeAttribute, makeFinding, makeReport, runInspector, silentLogger } from './testing.ts';

const inspectorReturning = (result: unknown, extra: Partial<Inspector> = {}): Inspector =>
  defineInspector({ name: 'fake', accepts: ['ipaddr'], inspect: () => result as never, ...extra });

describe('makeAttribute', () => {
  test('gives a schema-valid attribute for every type with a derived id', () => {
    for (const type of ['ipaddr', 'domain', 'url', 'filehash', 'aws_access_key_id', 'aws_arn'] as const) {
      const a = makeAttribute({ type });
      assert.equal(AttributeSchema.safeParse({ type: a.type, key: a.key, value: a.value, context: a.context }).success, true, type);
      assert.equal(a.id, attributeIdOf(a));
      assert.equal(a.depth, 0);
      assert.equal(a.origin, 'alert');
    }
  });

  test('keeps the given fields', () => {
    const a = makeAttribute({ type: 'domain', value: 'bad.example.net', depth: 2, origin: 'dns', context: ['remote'] });
    assert.deepEqual([a.value, a.depth, a.origin, a.context], ['bad.example.net', 2, 'dns', ['remote']]);
  });

  test('refuses a value that does not fit its type', () => {
    assert.throws(() => makeAttribute({ type: 'ipaddr', value: 'not-an-ip' }), /value: value is not an IPv4 or IPv6 address/);
  });
});

describe('makeReport', () => {
  test('derives ids from detector and rule and holds one alert', () => {
    const report = makeReport({ detector: 'guardduty', rule_id: 'Recon:EC2/PortProbe' });
    const alertId = alertIdOf({ detector: 'guardduty', rule_id: 'Recon:EC2/PortProbe' });
    assert.equal(report.alertId, alertId);
    assert.equal(report.id, reportIdOf(alertId, Date.parse(report.createdAt)));
    assert.equal(report.alerts.length, 1);
    assert.equal(report.alerts[0]?.rule_id, 'Recon:EC2/PortProbe');
    assert.ok(Date.parse(report.windowEndsAt) > Date.parse(report.createdAt));
  });

  test('overrides win over defaults', () => {
    const report = makeReport({ version: 3, phase: 'final', verdict: { severity: 'low', reason: 'r' } });
    assert.deepEqual([report.version, report.phase, report.verdict?.severity], [3, 'final', 'low']);
  });

  test('makeAlert gives distinct fingerprints to distinct alerts', () => {
    assert.notEqual(makeAlert({ description: 'a' }).fingerprint, makeAlert({ description: 'b' }).fingerprint);
  });

  test('makeFinding points at its attribute', () => {
    const f = makeFinding({ attribute: { type: 'domain', key: 'host', value: 'evil.example' } });
    assert.equal(f.attributeId, attributeIdOf({ type: 'domain', key: 'host', value: 'evil.example' }));
  });
});

describe('runInspector', () => {
  const ip = { type: 'ipaddr', key: 'src', value: '203.0.113.9' } as const;

  test('passes a validated report attribute and returns the checked result', async () => {
    let seen: unknown;
    const inspector = defineInspector({
      name: 'echo',
      accepts: ['ipaddr'],
      inspect: (attribute, ctx) => {
        seen = { attribute, aborted: ctx.signal.aborted, logger: ctx.logger };
        return { findings: [{ verdict: 'info', title: `saw ${attribute.value}` }], newAttributes: [{ type: 'domain', key: 'ptr', value: 'x.example' }] };
      },
    });
    const result = await runInspector(inspector, ip);
    assert.deepEqual(result.findings, [{ verdict: 'info', title: 'saw 203.0.113.9' }]);
    // Output of the schema: context is defaulted like the pipeline would.
    assert.deepEqual(result.newAttributes, [{ type: 'domain', key: 'ptr', value: 'x.example', context: [] }]);
    assert.deepEqual(seen, { attribute: makeAttribute(ip), aborted: false, logger: silentLogger });
  });

  test('refuses an invalid attribute and one the inspector does not accept', async () => {
    const inspector = inspectorReturning({ findings: [] });
    await assert.rejects(runInspector(inspector, { type: 'ipaddr', key: 'k', value: '999.1.1.1' }), TypeError);
    await assert.rejects(runInspector(inspector, { type: 'domain', key: 'k', value: 'a.example' }), /does not accept domain/);
  });

  for (const [label, garbage] of [
    ['undefined', undefined],
    ['findings not an array', { findings: 'none' }],
    ['unknown verdict', { findings: [{ verdict: 'evil', title: 't' }] }],
    ['empty title', { findings: [{ verdict: 'malicious', title: '' }] }],
    ['misspelt key', { findings: [], newAttribute: [] }],
    ['too many findings', { findings: Array.from({ length: 101 }, () => ({ verdict: 'info', title: 't' })) }],
    ['invalid new attribute', { findings: [], newAttributes: [{ type: 'ipaddr', key: 'k', value: 'x' }] }],
  ] as const) {
    test(`throws PluginContractError on garbage: ${label}`, async () => {
      await assert.rejects(runInspector(inspectorReturning(garbage), ip), PluginContractError);
    });
  }

  test('contract errors name the path of the bad field', async () => {
    await assert.rejects(
      runInspector(inspectorReturning({ findings: [{ verdict: 'info', title: 'ok' }, { verdict: 'evil', title: 't' }] }), ip),
      /^PluginContractError: inspector fake returned an invalid result: findings\[1\]\.verdict: /,
    );
  });

  test('times out with InspectorTimeoutError and aborts the signal', async () => {
    let signal: AbortSignal | undefined;
    const slow = defineInspector({
      name: 'slow',
      accepts: ['ipaddr'],
      timeoutMs: 20,
      inspect: (_a, ctx) => {
        signal = ctx.signal;
        return new Promise((resolve) => setTimeout(() => resolve({ findings: [] }), 1_000).unref());
      },
    });
    await assert.rejects(runInspector(slow, ip), InspectorTimeoutError);
    assert.equal(signal?.aborted, true);
  });

  test("lets the inspector's own error through", async () => {
    const failing = inspectorReturning(undefined, {
      inspect: () => {
        throw new RangeError('boom');
      },
    });
    await assert.rejects(runInspector(failing, ip), RangeError);
  });
});
