import { afterEach, describe, expect, test } from 'vitest';
import * as z from 'zod';
import { loadDetectorSettings } from '../detectors/settings.ts';
import { quarantineSettingsFrom } from '../emitters/quarantine/config.ts';
import bundledPolicy from '../reviewer/policy.json' with { type: 'json' };
import { parsePolicy } from '../reviewer/policy/schema.ts';
import { loadConfig } from './config.ts';

// zod compiles an object schema's fast path with `new Function` (read from the global at the
// time): counting constructions tells whether a parse compiled one.
const original = globalThis.Function;
let compiled = 0;
const countCompiles = () => {
  compiled = 0;
  globalThis.Function = new Proxy(original, {
    construct(target, args) {
      compiled++;
      return Reflect.construct(target, args);
    },
  });
};
afterEach(() => {
  globalThis.Function = original;
});

describe('schemas parsed once per process compile no fast path', () => {
  test('the counter sees a compile: a new object schema on its first parse', () => {
    countCompiles();
    z.object({ reportId: z.string() }).safeParse({ reportId: 'r' });
    expect(compiled).toBeGreaterThan(0);
  });

  test.each([
    ['the pipeline configuration', () => loadConfig({ ALERTWARDEN_TABLE: 't', ALERTWARDEN_BUCKET: 'b' })],
    ['the detector settings', () => loadDetectorSettings({})],
    ['the quarantine settings', () => quarantineSettingsFrom({})],
    ['the bundled review policy', () => parsePolicy(bundledPolicy, 'reviewer/policy.json')],
  ])('%s', (_what, parse) => {
    countCompiles();
    parse();
    expect(compiled).toBe(0);
  });
});
