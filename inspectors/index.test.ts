import assert from 'node:assert/strict';
import { test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runInspector } from '../core/testing.ts';
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
