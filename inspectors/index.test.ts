import assert from 'node:assert/strict';
import { test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { defineInspector } from '../core/plugins.ts';
import { runInspector, silentLogger } from '../core/testing.ts';
import { lazyInspector } from './common/lazy.ts';
import { builtinInspectors } from './index.ts';
import './opt-in.ts';

test('builtin inspectors: the blocklist (configured from the environment), geoip, aws-ip-ranges', async () => {
  const sample = fileURLToPath(new URL('../examples/blocklists/known-bad.txt', import.meta.url));
  const inspectors = builtinInspectors({ ALERTWARDEN_BLOCKLISTS: sample }, {});
  assert.deepEqual(inspectors.map((i) => i.name), ['blocklist', 'geoip', 'aws-ip-ranges']);
  const [blocklist] = inspectors;
  assert.ok(blocklist);
  const result = await runInspector(blocklist, { type: 'domain', key: 'd', value: 'www.evil.example' });
  assert.equal(result.findings[0]?.title, 'listed in known-bad');
});

test('builtin inspectors have unique names', () => {
  const names = builtinInspectors({}).map((i) => i.name);
  assert.equal(new Set(names).size, names.length);
});

test('inspectors that call AWS APIs run only when ALERTWARDEN_INSPECTORS names them', () => {
  assert.deepEqual(builtinInspectors({}).map((i) => i.name), ['blocklist', 'geoip', 'aws-ip-ranges'], 'an empty list (every inspector) does not switch them on');
  assert.deepEqual(
    builtinInspectors({ ALERTWARDEN_INSPECTORS: 'blocklist, aws-iam,aws-ec2' }).map((i) => i.name),
    ['blocklist', 'geoip', 'aws-ip-ranges', 'aws-ec2', 'aws-iam'],
  );
  assert.deepEqual(builtinInspectors({ ALERTWARDEN_INSPECTORS: 'aws-iam' }).map((i) => i.name), ['blocklist', 'geoip', 'aws-ip-ranges', 'aws-iam']);
});

test('cloudtrail history and correlation run when named; intel inspectors also need their key parameter', async () => {
  const store = { findSightings: async () => [], takeBudget: async () => true };
  const secrets = { read: async () => 'k' };
  assert.throws(() => builtinInspectors({ ALERTWARDEN_INSPECTORS: 'correlation' }), /correlation needs the report store/);
  assert.throws(() => builtinInspectors({ ALERTWARDEN_INSPECTORS: 'abuseipdb' }, { store, secrets }), /ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER/);
  // A key alone does not switch an inspector on: naming it does (one place decides, for every function).
  assert.deepEqual(builtinInspectors({ ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER: '/alertwarden/dev/greynoise' }, { store, secrets }).map((i) => i.name), ['blocklist', 'geoip', 'aws-ip-ranges']);
  const env = {
    ALERTWARDEN_INSPECTORS: 'aws-cloudtrail-history,correlation,abuseipdb,greynoise',
    ALERTWARDEN_ABUSEIPDB_API_KEY_PARAMETER: '/alertwarden/dev/abuseipdb',
    ALERTWARDEN_GREYNOISE_API_KEY_PARAMETER: '/alertwarden/dev/greynoise',
  };
  const inspectors = builtinInspectors(env, { store, secrets }).slice(3);
  assert.deepEqual(inspectors.map((i) => i.name), ['aws-cloudtrail-history', 'correlation', 'abuseipdb', 'greynoise']);
  // Their code loads on prepare and must declare what the catalog routes by.
  for (const inspector of inspectors) await inspector.prepare!({ logger: silentLogger });
  assert.deepEqual((await runInspector(inspectors[1]!, { type: 'ipaddr', key: 'r', value: '198.51.100.7' })).findings, []);
});

test('a lazy inspector loads once, retries a failed load, and refuses code that disagrees with its catalog entry', async () => {
  let loads = 0;
  const outcomes: (Error | undefined)[] = [new Error('chunk missing'), undefined];
  const real = defineInspector({ name: 'late', accepts: ['ipaddr'], inspect: () => ({ findings: [{ verdict: 'info', title: 'loaded' }] }) });
  const lazy = lazyInspector({ name: 'late', accepts: ['ipaddr'] }, async () => {
    const outcome = outcomes[loads++];
    if (outcome) throw outcome;
    return real;
  });
  await assert.rejects(lazy.prepare!({ logger: silentLogger }), /chunk missing/);
  assert.equal((await runInspector(lazy, { type: 'ipaddr', key: 'r', value: '198.51.100.7' })).findings[0]?.title, 'loaded');
  await runInspector(lazy, { type: 'ipaddr', key: 'r', value: '198.51.100.8' });
  assert.equal(loads, 2);
  const wrong = lazyInspector({ name: 'late', accepts: ['ipaddr', 'domain'] }, async () => real);
  await assert.rejects(wrong.prepare!({ logger: silentLogger }), { name: 'PluginContractError' });
});
