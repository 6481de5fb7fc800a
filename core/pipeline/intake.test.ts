/**
 * validateAlert parses an alert whole and checks attributes one by one only when one of them
 * fails: the same outcome as checking every attribute first, for one parse in the common case.
 */
import { describe, expect, test, vi } from 'vitest';
import { ALERT_LIMITS, AlertSchema, AttributeSchema } from '../alert.ts';
import { InvalidAlertError } from '../errors.ts';
import { validateAlert } from './intake.ts';

const ip = (value: string) => ({ type: 'ipaddr', key: 'remote', value, context: ['remote'] });
const base = { detector: 'guardduty', rule_id: 'Recon:EC2/Portscan', alert_key: 'i-0123456789abcdef0' };

/** The rule as specified: every attribute checked alone, failures set aside as unverified, then the alert parsed. */
const reference = (candidate: Record<string, unknown>) => {
  const attributes = candidate.attributes;
  let input = candidate;
  if (Array.isArray(attributes) && attributes.length <= ALERT_LIMITS.attributes) {
    const bad = attributes.filter((a) => !AttributeSchema.safeParse(a).success);
    if (bad.length > 0) {
      const parsedOf = (a: unknown) => validateAlert({ ...base, attributes: [a] }).unverified?.[0];
      input = { ...candidate, attributes: attributes.filter((a) => AttributeSchema.safeParse(a).success), unverified: [...((candidate.unverified as unknown[]) ?? []), ...bad.map(parsedOf)] };
    }
  }
  const parsed = AlertSchema.safeParse(input);
  return parsed.success ? { alert: parsed.data } : { rejected: true };
};

const outcome = (candidate: Record<string, unknown>) => {
  try {
    return { alert: validateAlert(candidate) };
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAlertError);
    return { rejected: true };
  }
};

describe('validateAlert', () => {
  test.each([
    ['all attributes valid', { ...base, attributes: [ip('198.51.100.1'), { type: 'domain', key: 'q', value: 'evil.example' }] }],
    ['no attributes', { ...base }],
    ['one attribute failing its type check', { ...base, attributes: [ip('198.51.100.1'), ip('not-an-address')] }],
    ['every attribute failing', { ...base, attributes: [ip('999.1.1.1'), { type: 'domain', key: 'q', value: 'bad domain!' }] }],
    ['a failing attribute and an unknown top-level key', { ...base, extra: 1, attributes: [ip('nope')] }],
    ['a failing attribute and notes already present', { ...base, attributes: [ip('nope')], unverified: [{ type: 'ipaddr', key: 'k', value: 'x', reason: 'earlier' }] }],
    ['valid attributes and a missing detector', { rule_id: 'r', attributes: [ip('198.51.100.1')] }],
    ['too many attributes', { ...base, attributes: Array.from({ length: ALERT_LIMITS.attributes + 1 }, () => ip('198.51.100.1')) }],
    ['an attribute of an unknown type', { ...base, attributes: [{ type: 'telepathy', key: 'k', value: 'v' }] }],
  ])('%s: the outcome of checking every attribute first', (_, candidate) => {
    expect(outcome(candidate as Record<string, unknown>)).toEqual(reference(candidate as Record<string, unknown>));
  });

  test('an alert whose attributes all pass is parsed once: no attribute is checked on its own', () => {
    const alone = vi.spyOn(AttributeSchema, 'safeParse');
    try {
      validateAlert({ ...base, attributes: [ip('198.51.100.1'), ip('203.0.113.9')] });
      const clean = alone.mock.calls.length;
      validateAlert({ ...base, attributes: [ip('198.51.100.1'), ip('not-an-address')] });
      const withBad = alone.mock.calls.length - clean;
      expect(clean, 'attribute checks for a clean alert').toBe(0);
      expect(withBad, 'attribute checks once one fails').toBe(2);
    } finally {
      alone.mockRestore();
    }
  });
});
