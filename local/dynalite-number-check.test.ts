import { createRequire } from 'node:module';
import { afterAll, expect, test } from 'vitest';
import { installNumberCheck } from './dynalite-number-check.mjs';

// dynalite's validations module (this test's copy, shared with other unit files: restored after the file).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
const validations = fromDynalite('./validations/index.js') as { validateAttributeValue: (value: unknown) => string | undefined };
const original = validations.validateAttributeValue;

afterAll(() => {
  validations.validateAttributeValue = original;
});

const NUMBERS = ['0', '-0', '7', '-7', '10', '1764547200', '0.5', '-0.5', '0.50', '1.0', '1.05', '-99.125', '00', '1.', '.5', '+1', '1e5', '1E-130', '1e126', '', ' 1', '1 ', 'NaN', 'Infinity', '0x10', '1_000',
  '9'.repeat(38), '9'.repeat(39), '-' + '9'.repeat(37), '-' + '9'.repeat(38), '0.' + '0'.repeat(35) + '1', '0.' + '0'.repeat(36) + '1', '1' + '0'.repeat(126), '0.' + '0'.repeat(130) + '1', '1.' + '0'.repeat(40)];
const SCALARS: unknown[] = [
  ...NUMBERS.map((N) => ({ N })),
  { S: 'REPORT#1' }, { S: '' }, { B: 'AAECAw==' }, { BOOL: true }, { BOOL: false }, { NULL: true }, { NULL: false },
  { SS: ['a', 'b'] }, { SS: ['a', 'a'] }, { SS: [] }, { NS: ['1', '2'] }, { NS: ['1', '1'] }, { NS: ['1e200'] }, { BS: ['AA=='] },
  {}, { S: 'a', N: '1' }, { X: 'unknown' }, null, 'text', [],
];
const nest = (values: unknown[]) => [
  ...values,
  ...values.map((value) => ({ M: { first: { S: 'ok' }, value } })),
  ...values.map((value) => ({ L: [{ N: '1' }, value] })),
  ...values.map((value) => ({ M: { list: { L: [{ M: { deep: value } }] } } })),
];

test('every value gets the answer dynalite gives it: valid ones at once, every error from dynalite', () => {
  const stats = installNumberCheck(fromDynalite);
  expect(installNumberCheck(fromDynalite), 'installed twice: one check').toBe(stats);
  const values = nest(SCALARS);
  /**
   * The message dynalite would send (or what it throws: a value the type check lets through never
   * throws), and the value as left behind: dynalite rewrites numbers in place.
   */
  const answer = (check: (value: unknown) => string | undefined, given: unknown) => {
    const value = structuredClone(given);
    try {
      return [JSON.stringify(given).slice(0, 80), check(value), value];
    } catch (error) {
      return [JSON.stringify(given).slice(0, 80), `throws ${(error as Error).name}`, value];
    }
  };
  const answers = values.map((value) => answer(validations.validateAttributeValue, value));
  expect(answers).toStrictEqual(values.map((value) => answer(original, value)));
  const refused = answers.filter(([, error]) => error !== undefined).length;
  expect(refused, 'values dynalite refuses').toBeGreaterThan(60);
  // The common values never reached dynalite's own check; sets and unusual numbers did.
  expect(stats.fast, `${values.length} values`).toBeGreaterThan(60);
  expect(stats.original).toBeGreaterThanOrEqual(refused);
});
