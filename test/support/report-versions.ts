/**
 * One report as the fast path delivers it to a notification emitter, version by version:
 * a preliminary page (high), the final update (critical, 10 more alerts), then a re-review that
 * says safe; and the context the pipeline gives each version (its own idempotency key, one
 * shared per-report state).
 */
import { emissionKeyOf } from '../../core/ids.ts';
import type { EmitterState } from '../../core/plugins.ts';
import type { Report } from '../../core/report.ts';
import { makeAlert, makeEmitContext, makeFinding, makeReport } from '../../core/testing.ts';

export const reportVersions = (partial: Partial<Report> = {}): [Report, Report, Report] => {
  const base = makeReport({
    rule_id: 'tor-contact',
    rule_name: 'Contact with a Tor exit node',
    findings: [makeFinding({ inspector: 'blocklist', title: 'listed in tor-exit-nodes', source: 'tor-exit-nodes' })],
    ...partial,
  });
  const preliminary: Report = { ...base, version: 1, phase: 'preliminary', verdict: { severity: 'high', reason: 'a blocklisted address' } };
  const alerts = [...base.alerts, ...Array.from({ length: 10 }, (_, n) => makeAlert({ rule_id: base.rule_id, description: `hit ${n}` }))];
  const final: Report = {
    ...base,
    version: 2,
    phase: 'final',
    alerts,
    verdict: { severity: 'critical', reason: '11 alerts' },
    previous: { version: 1, phase: 'preliminary', severity: 'high', alertCount: 1 },
  };
  const safe: Report = {
    ...final,
    version: 3,
    verdict: { severity: 'safe', reason: 'an approved scanner' },
    previous: { version: 2, phase: 'final', severity: 'critical', alertCount: 11 },
  };
  return [preliminary, final, safe];
};

export const contextFor = (report: Report, emitter: string, secrets: Record<string, string>, state: EmitterState) =>
  makeEmitContext(secrets, undefined, emissionKeyOf(report.id, report.version, emitter), state);
