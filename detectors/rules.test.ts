import { describe, expect, test } from 'vitest';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { allRules, runRuleFixtures } from './fixtures.ts';
import { RULE_PATHS } from './rules.ts';

describe('rule fixtures', () => {
  for (const rule of allRules()) {
    test(`${rule.id}: positives raise one valid alert each, negatives none`, async () => {
      const outcome = await runRuleFixtures(rule);
      expect(outcome.failures).toEqual([]);
      expect(outcome.positives).toBeGreaterThan(0);
      expect(outcome.negatives).toBeGreaterThan(0);
    });
  }

  test('every rule module has fixtures beside it and every fixture file belongs to a rule', async () => {
    const root = fileURLToPath(new URL('.', import.meta.url));
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.fixtures.json')).map((f) => f.replace(/\.fixtures\.json$/, '')).sort();
    expect(files).toEqual(Object.values(RULE_PATHS).sort());
    expect(allRules().map((r) => r.id).sort()).toEqual(Object.keys(RULE_PATHS).sort());
  });
});
