import { afterEach, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { CountingMetrics } from '../core/metrics.ts';
import { captureStdout } from '../test/support/capture-stdout.ts';
import { ALL_PLUGINS } from './all-plugins.ts';
import { buildDeps, metricsLoadedOnFirstCount, withPluginsOf } from './deps.ts';

// Lambda's wiring (lazy clients: nothing is sent while deps are built), local metrics.
const env = {
  ALERTWARDEN_TABLE: 'alertwarden-test',
  ALERTWARDEN_BUCKET: 'alertwarden-test-reports',
  ALERTWARDEN_INSPECTORS: 'blocklist,geoip',
  ALERTWARDEN_EMITTERS: 'console',
  AWS_REGION: 'us-east-1',
};
const build = (needs: Parameters<typeof buildDeps>[2], extra: Record<string, string> = {}) => buildDeps({ ...env, ...extra }, { metrics: new CountingMetrics() }, needs);

describe('buildDeps builds only the plugin kinds a function names', () => {
  test('every kind with ALL_PLUGINS (the local runtime, tests)', async () => {
    const { plugins } = await buildDeps(env, { metrics: new CountingMetrics() }, ALL_PLUGINS);
    expect(plugins.inspectors.map((i) => i.name)).toEqual(['blocklist', 'geoip']);
    expect(plugins.emitters.map((e) => e.name)).toEqual(['console']);
  });

  test('a kind left out throws when read, naming the fix, instead of reading as an empty list', async () => {
    const { plugins } = await build({ inspectors: ALL_PLUGINS.inspectors });
    expect(plugins.inspectors.map((i) => i.name)).toEqual(['blocklist', 'geoip']);
    expect(() => plugins.emitters).toThrow(ConfigError);
    expect(() => plugins.emitters).toThrow(/does not load emitters: name emitters \(a function importing ..\/emitters\/index.ts\) in the PLUGINS/);
    expect(() => plugins.reviewer).toThrow(/does not load reviewer/);
    const none = await build({});
    expect(() => none.plugins.inspectors).toThrow(/does not load inspectors/);
    // The reviewer is loaded on its first review, in the function that names it; an external one likewise.
    expect((await build({ reviewer: ALL_PLUGINS.reviewer })).plugins.reviewer.name).toBe('configured');
    const external = { ALERTWARDEN_EXTERNAL_REVIEWER: 'arn:aws:lambda:us-east-1:123456789012:function:my-reviewer' };
    expect(() => none.plugins.reviewer).toThrow(/does not load reviewer/);
    const withoutReviewer = await build({}, external);
    expect(() => withoutReviewer.plugins.reviewer).toThrow(/does not load reviewer/);
    expect((await build({ reviewer: ALL_PLUGINS.reviewer }, external)).plugins.reviewer.name).not.toBe('configured');
  });

  test('a misnamed plugin fails the cold start of the functions that use that kind, and only theirs', async () => {
    await expect(build({ emitters: ALL_PLUGINS.emitters }, { ALERTWARDEN_EMITTERS: 'consol' })).rejects.toThrow(/unknown emitter "consol"/);
    await expect(build({ inspectors: ALL_PLUGINS.inspectors }, { ALERTWARDEN_INSPECTORS: 'geoipp' })).rejects.toThrow(/unknown inspector "geoipp"/);
    await expect(build({}, { ALERTWARDEN_EMITTERS: 'consol' })).resolves.toBeDefined();
  });
});

describe('withPluginsOf: what a handler sees of deps built with every kind (the local runtime)', () => {
  test('the kinds it did not name throw, as they would in Lambda; the rest is the same deps, one view per deps', async () => {
    const all = await buildDeps(env, { metrics: new CountingMetrics() }, ALL_PLUGINS);
    const emitOnly = withPluginsOf({ emitters: ALL_PLUGINS.emitters }, async () => all);
    const view = await emitOnly();
    expect(view.plugins.emitters).toBe(all.plugins.emitters);
    expect(() => view.plugins.inspectors).toThrow(/does not load inspectors/);
    expect(() => view.plugins.reviewer).toThrow(/does not load reviewer/);
    expect((await withPluginsOf({ reviewer: ALL_PLUGINS.reviewer }, async () => all)()).plugins.reviewer).toBe(all.plugins.reviewer);
    expect(view.store).toBe(all.store);
    expect(await emitOnly()).toBe(view);
    const none = await withPluginsOf({}, async () => all)();
    expect(() => none.plugins.emitters).toThrow(/does not load emitters/);
  });
});

describe('Lambda metrics and logger: loaded and built when first used', () => {
  afterEach(() => vi.restoreAllMocks());

  test('a flush with nothing counted returns at once, loading nothing; with counts, one EMF line of them all', async () => {
    const metrics = metricsLoadedOnFirstCount({ POWERTOOLS_METRICS_NAMESPACE: 'AlertWarden/test', POWERTOOLS_SERVICE_NAME: 'alertwarden' });
    expect(metrics.flush()).toBeUndefined();
    metrics.count('EmissionsFailed');
    metrics.count('AlertsRejected', 2);
    metrics.count('EmissionsFailed');
    const lines = captureStdout();
    await metrics.flush();
    // Counted after a flush began: the next flush publishes it, none is lost or sent twice.
    metrics.count('RoundsFailed');
    await metrics.flush();
    vi.restoreAllMocks();
    expect(lines).toHaveLength(2);
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ service: 'alertwarden', EmissionsFailed: [1, 1], AlertsRejected: 2 });
    expect(first).not.toHaveProperty('RoundsFailed');
    expect(second).toMatchObject({ RoundsFailed: 1 });
    expect(second).not.toHaveProperty('EmissionsFailed');
  });

  test('the logger writes Powertools JSON lines once something is logged', async () => {
    const { logger } = await buildDeps({ ...env, POWERTOOLS_SERVICE_NAME: 'alertwarden-test' }, { metrics: new CountingMetrics() }, {});
    const lines = captureStdout();
    const errors = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    logger.info('report reviewed', { reportId: 'r-1' });
    logger.error('emit failed', { reportId: 'r-1' });
    const written = [...lines, ...errors.mock.calls.map(([c]) => String(c))];
    vi.restoreAllMocks();
    const records = written.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.message, r.reportId, r.service])).toEqual([
      ['INFO', 'report reviewed', 'r-1', 'alertwarden-test'],
      ['ERROR', 'emit failed', 'r-1', 'alertwarden-test'],
    ]);
  });
});
