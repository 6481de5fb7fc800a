import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import * as z from 'zod';
import { loadDetectorSettings } from '../detectors/settings.ts';
import { quarantineSettingsFrom } from '../emitters/quarantine/config.ts';
import bundledPolicy from '../reviewer/policy.json' with { type: 'json' };
import { parsePolicy } from '../reviewer/policy/schema.ts';
import { loadConfig } from './config.ts';
import { COMPILE_AFTER_PARSES, warmParse } from './zod-parse.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// zod compiles an object schema's fast path with `new Function` (read from the global at the
// time): counting constructions with a body tells whether a parse compiled one (zod's probe of
// whether eval is allowed, once per process, is an empty `new Function('')`).
const original = globalThis.Function;
let compiled = 0;
const countCompiles = () => {
  compiled = 0;
  globalThis.Function = new Proxy(original, {
    construct(target, args) {
      if (args.at(-1)) compiled++;
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

describe('warmParse: schemas parsed per event compile their fast path only after COMPILE_AFTER_PARSES parses', () => {
  test('a new schema: none in its first parses, one at the next', () => {
    const schema = z.object({ reportId: z.string(), round: z.number().optional() });
    countCompiles();
    for (let i = 0; i < COMPILE_AFTER_PARSES; i++) expect(warmParse(schema, { reportId: `r${i}` }).success).toBe(true);
    expect(compiled).toBe(0);
    expect(warmParse(schema, { reportId: 'r', round: 1 }).success).toBe(true);
    expect(compiled).toBeGreaterThan(0);
    // Either way the same answers, issues included.
    expect(warmParse(schema, { round: 'x' }).error?.issues.map((i) => i.path.join('.'))).toEqual(['reportId', 'round']);
  });

  test('a cold start compiles nothing for the alert it validates, its step input or an inspector\'s result (a fresh process)', async () => {
    const script = `
      const original = globalThis.Function; let compiled = 0;
      globalThis.Function = new Proxy(original, { construct: (t, a) => (a.at(-1) && compiled++, Reflect.construct(t, a)) });
      const { validateAlert } = await import('./core/pipeline/intake.ts');
      const { parseEvent } = await import('./functions/event.ts');
      const z = await import('zod');
      const { callInspector } = await import('./core/pipeline/inspection.ts');
      validateAlert(JSON.parse(process.argv[1]));
      parseEvent(z.object({ reportId: z.string().min(1) }), { reportId: 'r' });
      const quiet = { debug() {}, info() {}, warn() {}, error() {} };
      const inspector = { name: 'stub', accepts: ['ipaddr'], inspect: async () => ({ findings: [{ verdict: 'suspicious', title: 't', source: 's' }] }) };
      const attribute = { id: 'a', type: 'ipaddr', key: 'remote', value: '198.51.100.7', context: [], depth: 0, origin: 'alert' };
      await callInspector(inspector, attribute, { reportId: 'r', logger: quiet, timeoutMs: 1000 });
      process.stdout.write(String(compiled));`;
    const alert = { detector: 'guardduty', rule_id: 'r', alert_key: 'k', attributes: [{ type: 'ipaddr', key: 'remote', value: '198.51.100.7', context: ['remote'] }] };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(alert)], { cwd: ROOT });
    expect(Number(stdout)).toBe(0);
  });
});
