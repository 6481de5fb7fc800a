import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { MemoryReportStore } from '../../adapters/memory-store.ts';
import { loadConfig } from '../config.ts';
import { alertFingerprintOf } from '../ids.ts';
import { CountingMetrics } from '../metrics.ts';
import { defineInspector, type Inspector } from '../plugins.ts';
import type { ReportAlert } from '../report.ts';
import { makeAttribute, silentLogger } from '../testing.ts';
import { batchInspections, inspectAttributes, planInspection, INLINE_ATTRIBUTE_BYTES, INSPECTION_BATCH_SIZE, MAX_TASKS_PER_PLAN } from './inspection.ts';

const T0 = Date.UTC(2026, 10, 23, 10);

const reportWith = async (values: string[]) => {
  const store = new MemoryReportStore();
  const alert = { detector: 'unit', rule_id: 'batch', alert_key: 'k', attributes: [] } as unknown as ReportAlert;
  const { reportId } = await store.openReport({ alertId: 'a', alert, nowMs: T0, windowMs: 3_600_000 });
  const attributes = values.map((value) => makeAttribute({ value }));
  await store.addMembers([{ reportId, alert: { ...alert, fingerprint: alertFingerprintOf(alert), receivedAt: new Date(T0).toISOString() }, attributes }]);
  return { store, reportId, attributes };
};

const depsOf = (store: MemoryReportStore, inspectors: Inspector[]) => ({
  store,
  plugins: { inspectors, reviewer: undefined as never, emitters: [] },
  config: loadConfig({ ALERTWARDEN_TABLE: 't', ALERTWARDEN_BUCKET: 'b' }),
  logger: silentLogger,
  metrics: new CountingMetrics(),
  now: () => T0,
});

describe('inspection batches', () => {
  test('pairs are cut into batches in order, at most the batch size each', () => {
    const tasks = [
      ...Array.from({ length: 12 }, (_, i) => ({ attributeId: `ip${i}`, inspector: 'blocklist' })),
      { attributeId: 'ip0', inspector: 'geoip' },
    ];
    assert.deepEqual(batchInspections(tasks, 5).map((b) => b.tasks.length), [5, 5, 3]);
    assert.deepEqual(batchInspections(tasks, 5).flatMap((b) => b.tasks), tasks, 'every pair once, in order');
  });

  test('the plan hands the Map batches of INSPECTION_BATCH_SIZE pairs, an attribute\'s inspectors side by side', async () => {
    const { store, reportId, attributes } = await reportWith(Array.from({ length: INSPECTION_BATCH_SIZE }, (_, i) => `203.0.113.${i}`));
    const quiet = (name: string) => defineInspector({ name, accepts: ['ipaddr'], inspect: () => ({ findings: [] }) });
    const plan = await planInspection(reportId, depsOf(store, [quiet('one'), quiet('two')]));
    assert.deepEqual(plan.tasks.map((t) => t.tasks.length), [INSPECTION_BATCH_SIZE, INSPECTION_BATCH_SIZE]);
    const first = [...attributes].sort((a, b) => a.id.localeCompare(b.id))[0]!;
    assert.deepEqual(plan.tasks[0]!.tasks.slice(0, 2), [{ attributeId: first.id, inspector: 'one' }, { attributeId: first.id, inspector: 'two' }]);
  });

  test('a mixed batch: results and discoveries written, a timeout recorded with its own error, a transient failure thrown for the retry', async () => {
    const { store, reportId, attributes } = await reportWith(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4']);
    const [ok, slow, flaky] = attributes;
    const mixed = defineInspector({
      name: 'mixed',
      accepts: ['ipaddr'],
      timeoutMs: 50,
      inspect: (a) => {
        if (a.value === slow!.value) return new Promise(() => undefined);
        if (a.value === flaky!.value) throw new Error('threat-intel API answered 503');
        return { findings: [{ verdict: 'malicious', title: `listed ${a.value}` }], newAttributes: a.value === ok!.value ? [{ type: 'domain', key: 'ptr', value: 'scanner.example.net', context: [] }] : [] };
      },
    });
    const deps = depsOf(store, [mixed]);
    const tasks = [...attributes.map((a) => ({ attributeId: a.id, inspector: 'mixed' })), { attributeId: 'not-in-report', inspector: 'mixed' }, { attributeId: ok!.id, inspector: 'disabled' }];
    const thrown = await inspectAttributes({ reportId, tasks }, deps).then(
      () => assert.fail('a transient failure must be thrown for the retry'),
      (error: Error) => error,
    );
    assert.equal(thrown.name, 'Error', 'named after the failure, as the Retry matches names');
    assert.match(thrown.message, new RegExp(`mixed on ${flaky!.id}: threat-intel API answered 503`));
    const snapshot = await store.loadSnapshot(reportId);
    assert.deepEqual(snapshot.findings.map((f) => f.title).sort(), ['listed 203.0.113.1', 'listed 203.0.113.4']);
    assert.deepEqual(
      snapshot.inspectionFailures.map((f) => [f.attributeId, f.error]).sort(),
      [[slow!.id, 'InspectorTimeoutError'], ['not-in-report', 'PluginContractError'], [ok!.id, 'PluginContractError']].sort(),
      'failures for good are recorded at once, each with its own error; the transient one waits for its retries',
    );
    assert.deepEqual(snapshot.attributes.filter((a) => a.depth === 1).map((a) => [a.value, a.origin]), [['scanner.example.net', 'mixed']]);
    assert.equal(deps.metrics.get('InspectionsFailed'), 3);
  });

  test('a batch where every pair succeeds returns the counts', async () => {
    const { store, reportId, attributes } = await reportWith(['203.0.113.1', '203.0.113.2']);
    const listed = defineInspector({ name: 'listed', accepts: ['ipaddr'], inspect: () => ({ findings: [{ verdict: 'suspicious', title: 'seen' }] }) });
    const outcome = await inspectAttributes({ reportId, tasks: attributes.map((a) => ({ attributeId: a.id, inspector: 'listed' })) }, depsOf(store, [listed]));
    assert.deepEqual(outcome, { findings: 2, newAttributes: 0, next: 'review' }, 'nothing discovered: the round step goes on to the review without planning again');
    assert.equal((await store.listInspectionState(reportId)).inspected.size, 2);
  });

  test('the round step plans again only when a batch discovered attributes within the depth bound, or the plan was cut short', async () => {
    const { store, reportId, attributes } = await reportWith(['203.0.113.1']);
    const resolver = defineInspector({
      name: 'resolver',
      accepts: ['ipaddr'],
      inspect: () => ({ findings: [], newAttributes: [{ type: 'ipaddr', key: 'alias', value: '203.0.113.99', context: [] }] }),
    });
    const deps = depsOf(store, [resolver]);
    const first = await inspectAttributes({ reportId, tasks: [{ attributeId: attributes[0]!.id, inspector: 'resolver' }] }, deps);
    assert.deepEqual([first.newAttributes, first.next], [1, 'plan'], 'a depth-1 discovery is inspected: plan again');
    const shallow = { ...deps, config: { ...deps.config, maxInspectionDepth: 0 } };
    const { attributes: known } = await store.listInspectionState(reportId);
    const discovered = known.find((a) => a.depth === 1)!;
    const second = await inspectAttributes({ reportId, tasks: [{ attributeId: discovered.id, inspector: 'resolver' }] }, shallow);
    assert.deepEqual([second.newAttributes, second.next], [0, 'review'], 'a repeat is no discovery');
    const other = defineInspector({ name: 'other', accepts: ['ipaddr'], inspect: () => ({ findings: [], newAttributes: [{ type: 'domain', key: 'ptr', value: 'deep.example', context: [] }] }) });
    const third = await inspectAttributes({ reportId, tasks: [{ attributeId: discovered.id, inspector: 'other' }] }, { ...shallow, plugins: { ...shallow.plugins, inspectors: [other] } });
    assert.deepEqual([third.newAttributes, third.next], [1, 'review'], 'a discovery beyond the depth bound is kept but never inspected: no plan for it');

    const wide = await reportWith(Array.from({ length: MAX_TASKS_PER_PLAN + 1 }, (_, i) => `198.51.${Math.floor(i / 250)}.${i % 250}`));
    const quiet = defineInspector({ name: 'quiet', accepts: ['ipaddr'], inspect: () => ({ findings: [] }) });
    const cut = await planInspection(wide.reportId, depsOf(wide.store, [quiet]));
    assert.equal(cut.tasks.flatMap((b) => b.tasks).length, MAX_TASKS_PER_PLAN);
    assert.deepEqual(cut.tasks.map((b) => b.more ?? false), [...cut.tasks.slice(1).map(() => false), true], 'the last batch says pairs wait for the next plan');
    const last = await inspectAttributes({ reportId: wide.reportId, ...cut.tasks.at(-1)! }, depsOf(wide.store, [quiet]));
    assert.equal(last.next, 'plan', 'so after it the round step plans again');
    const whole = await planInspection(reportId, depsOf(store, [quiet]));
    assert.deepEqual([whole.tasks.flatMap((b) => b.tasks).length, whole.tasks.some((b) => b.more)], [2, false]);
  });

  test('a batch carries its attributes from the plan, so the inspection reads none; a long one is left out and read by id', async () => {
    const long = `https://example.org/${'a'.repeat(INLINE_ATTRIBUTE_BYTES)}`;
    const { store, reportId } = await reportWith(['203.0.113.1', '203.0.113.2']);
    const [longAttribute] = [makeAttribute({ type: 'url', key: 'link', value: long })];
    await store.addAttributes(reportId, [longAttribute!]);
    const reads: string[][] = [];
    const getAttributes = store.getAttributes.bind(store);
    store.getAttributes = async (id, ids) => (reads.push(ids), getAttributes(id, ids));
    const seen: string[] = [];
    const any = defineInspector({ name: 'any', accepts: ['ipaddr', 'url'], inspect: (a) => (seen.push(a.value), { findings: [] }) });
    const deps = depsOf(store, [any]);
    const [batch] = (await planInspection(reportId, deps)).tasks;
    assert.deepEqual(batch!.attributes!.map((a) => a.value).sort(), ['203.0.113.1', '203.0.113.2'], 'the short ones travel with the batch');
    await inspectAttributes({ reportId, ...batch! }, deps);
    assert.deepEqual(reads, [[longAttribute!.id]], 'only the long one is read');
    assert.deepEqual(seen.sort(), ['203.0.113.1', '203.0.113.2', long].sort(), 'every pair inspected');
  });
});
