import assert from 'node:assert/strict';
import { test } from 'vitest';
import { defineInspector } from '../plugins.ts';
import { silentLogger } from '../testing.ts';
import { prepareInspectors } from './inspection.ts';

test('prepare runs once per inspector; a failure is not remembered, so the next call retries', async () => {
  let calls = 0;
  const outcomes = [new Error('S3 throttled'), undefined];
  const inspector = defineInspector({
    name: 'flaky-data',
    accepts: ['ipaddr'],
    prepare: async () => {
      const outcome = outcomes[calls++];
      if (outcome) throw outcome;
    },
    inspect: () => ({ findings: [] }),
  });
  await assert.rejects(prepareInspectors([inspector], silentLogger), /S3 throttled/);
  await prepareInspectors([inspector], silentLogger);
  await Promise.all([prepareInspectors([inspector], silentLogger), prepareInspectors([inspector], silentLogger)]);
  assert.equal(calls, 2, 'one failed call, one successful call, then none');
});
