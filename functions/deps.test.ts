import { describe, expect, test } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { CountingMetrics } from '../core/metrics.ts';
import { buildDeps, withPluginsOf } from './deps.ts';

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
  test('every kind by default (the local runtime, tests)', async () => {
    const { plugins } = await buildDeps(env, { metrics: new CountingMetrics() });
    expect(plugins.inspectors.map((i) => i.name)).toEqual(['blocklist', 'geoip']);
    expect(plugins.emitters.map((e) => e.name)).toEqual(['console']);
  });

  test('a kind left out throws when read, naming the fix, instead of reading as an empty list', async () => {
    const { plugins } = await build({ inspectors: true });
    expect(plugins.inspectors.map((i) => i.name)).toEqual(['blocklist', 'geoip']);
    expect(() => plugins.emitters).toThrow(ConfigError);
    expect(() => plugins.emitters).toThrow(/does not load emitters: name them in its containerDeps\(\{ emitters: true \}\)/);
    const none = await build({});
    expect(() => none.plugins.inspectors).toThrow(/does not load inspectors/);
    // The reviewer is loaded on its first review, in every function.
    expect(none.plugins.reviewer.name).toBe('configured');
  });

  test('a misnamed plugin fails the cold start of the functions that use that kind, and only theirs', async () => {
    await expect(build({ emitters: true }, { ALERTWARDEN_EMITTERS: 'consol' })).rejects.toThrow(/unknown emitter "consol"/);
    await expect(build({ inspectors: true }, { ALERTWARDEN_INSPECTORS: 'geoipp' })).rejects.toThrow(/unknown inspector "geoipp"/);
    await expect(build({}, { ALERTWARDEN_EMITTERS: 'consol' })).resolves.toBeDefined();
  });
});

describe('withPluginsOf: what a handler sees of deps built with every kind (the local runtime)', () => {
  test('the kinds it did not name throw, as they would in Lambda; the rest is the same deps, one view per deps', async () => {
    const all = await buildDeps(env, { metrics: new CountingMetrics() });
    const emitOnly = withPluginsOf({ emitters: true }, async () => all);
    const view = await emitOnly();
    expect(view.plugins.emitters).toBe(all.plugins.emitters);
    expect(() => view.plugins.inspectors).toThrow(/does not load inspectors/);
    expect(view.plugins.reviewer).toBe(all.plugins.reviewer);
    expect(view.store).toBe(all.store);
    expect(await emitOnly()).toBe(view);
    const none = await withPluginsOf({}, async () => all)();
    expect(() => none.plugins.emitters).toThrow(/does not load emitters/);
  });
});
