import { describe, expect, test } from 'vitest';
import { alertFingerprintOf, alertIdOf } from '../../core/ids.ts';
import { validateAlert } from '../../core/pipeline/intake.ts';
import type { Report } from '../../core/report.ts';
import { deliveredAlerts } from './metrics.ts';

const message = (n: number) => JSON.stringify({ detector: 'd', rule_id: 'r', alert_key: 'k', description: `alert ${n}` });
const version = (version: number, phase: Report['phase'], members: number[], id = 'report-1'): Report => {
  const alerts = members.map((n) => {
    const alert = validateAlert(JSON.parse(message(n)));
    return { ...alert, fingerprint: alertFingerprintOf(alert), receivedAt: '2026-01-01T00:00:00.000Z' };
  });
  return {
    id,
    alertId: alertIdOf(alerts[0] ?? { detector: 'd', rule_id: 'r', alert_key: 'k' }),
    detector: 'd',
    rule_id: 'r',
    version,
    phase,
    createdAt: '',
    windowEndsAt: '',
    alerts,
    attributes: [],
    findings: [],
    inspectionFailures: [],
  };
};

describe('deliveredAlerts', () => {
  test('counts only the last emitted version of each report', () => {
    // Version 2 dropped alert 3, which version 1 had: it is lost, whatever came before.
    const emitted = [version(1, 'preliminary', [1, 2, 3]), version(2, 'final', [1, 2])];
    const result = deliveredAlerts([1, 2, 3].map(message), emitted);
    expect(result.delivered).toBe(2);
    expect(result.lost).toEqual([message(3)]);
    expect(result.notFinal).toEqual([]);
  });

  test('an alert never emitted is lost, and a report last seen preliminary is flagged', () => {
    const result = deliveredAlerts([1, 2].map(message), [version(1, 'preliminary', [1])]);
    expect(result).toEqual({ delivered: 1, lost: [message(2)], notFinal: ['report-1'] });
  });

  test('the order of emission lines does not matter; another window of the same alert id counts', () => {
    const emitted = [version(3, 'final', [1], 'report-2'), version(2, 'final', [2]), version(1, 'final', [])];
    expect(deliveredAlerts([1, 2].map(message), emitted).delivered).toBe(2);
  });
});
