/**
 * Policy semantics: every rule is evaluated; the matching rule with the highest severity wins,
 * ties going to the rule written first; no match gives the default. "Highest wins" means rule
 * order never hides a critical rule behind a lower one.
 */
import { SOURCE_SEVERITY_LEVELS, type SourceSeverity } from '../../core/alert.ts';
import { SEVERITY_RANK, type Finding, type Report, type Severity } from '../../core/report.ts';
import type { Policy, PolicyRule } from './schema.ts';

export interface PolicyOutcome {
  severity: Severity;
  reason: string;
  /** Name of the winning rule; undefined when the default applied. */
  rule?: string;
}

interface CompiledRule {
  name: string;
  severity: Severity;
  reason: string;
  /** undefined: no match; otherwise the finding that satisfied `when.finding`, if the rule has one. */
  match(report: Report): { finding?: Finding } | undefined;
}

export interface CompiledPolicy {
  default: { severity: Severity; reason: string };
  rules: CompiledRule[];
}

/** `*` matches any run of characters; case-insensitive, since detectors disagree on case (RootLogin, root-login). */
export const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'is');

const compileRule = (rule: PolicyRule): CompiledRule => {
  const { when } = rule;
  const ruleId = when.rule_id === undefined ? undefined : globToRegExp(when.rule_id);
  const detector = when.detector === undefined ? undefined : globToRegExp(when.detector);
  const source = when.finding?.source === undefined ? undefined : globToRegExp(when.finding.source);
  const verdicts = when.finding?.verdict === undefined ? undefined : [when.finding.verdict].flat();
  const inspector = when.finding?.inspector;
  const sourceLevels = when.source_severity === undefined ? undefined : [when.source_severity].flat();
  const findingMatches = (f: Finding) =>
    (inspector === undefined || f.inspector === inspector) &&
    (verdicts === undefined || verdicts.includes(f.verdict)) &&
    (source === undefined || (f.source !== undefined && source.test(f.source)));

  return {
    name: rule.name,
    severity: rule.severity,
    reason: rule.reason,
    match(report) {
      if (ruleId && !ruleId.test(report.rule_id)) return undefined;
      if (detector && !detector.test(report.detector)) return undefined;
      if (when.minAlerts !== undefined && report.alerts.length < when.minAlerts) return undefined;
      if (sourceLevels && !report.alerts.some((a) => a.source_severity && sourceLevels.includes(a.source_severity.level))) return undefined;
      if (!when.finding) return {};
      const finding = report.findings.find(findingMatches);
      return finding ? { finding } : undefined;
    },
  };
};

export const compilePolicy = (policy: Policy): CompiledPolicy => ({ default: policy.default, rules: policy.rules.map(compileRule) });

/** The highest source severity among the report's alerts: `high (8)`. */
const sourceSeverityOf = (report: Report): string | undefined => {
  let highest: SourceSeverity | undefined;
  for (const { source_severity: s } of report.alerts) {
    if (s && (!highest || SOURCE_SEVERITY_LEVELS.indexOf(s.level) > SOURCE_SEVERITY_LEVELS.indexOf(highest.level))) highest = s;
  }
  return highest && (highest.raw === undefined ? highest.level : `${highest.level} (${highest.raw})`);
};

/** Fills `{alerts}`, `{rule_id}`, `{detector}`, `{source_severity}`, and from the matched finding `{finding}` (title), `{source}`, `{attribute}` (value). */
export const renderReason = (template: string, report: Report, finding?: Finding): string => {
  const values: Record<string, string | undefined> = {
    alerts: String(report.alerts.length),
    rule_id: report.rule_id,
    detector: report.detector,
    source_severity: sourceSeverityOf(report) ?? 'none',
    finding: finding?.title,
    // A finding without a source is known only by its inspector.
    source: finding ? (finding.source ?? finding.inspector) : undefined,
    attribute: finding?.attribute.value,
  };
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
};

export const evaluatePolicy = (policy: CompiledPolicy, report: Report): PolicyOutcome => {
  let best: { rule: CompiledRule; finding?: Finding } | undefined;
  for (const rule of policy.rules) {
    const matched = rule.match(report);
    if (matched && (!best || SEVERITY_RANK[rule.severity] > SEVERITY_RANK[best.rule.severity])) best = { rule, ...matched };
  }
  if (!best) return { severity: policy.default.severity, reason: renderReason(policy.default.reason, report) };
  return { severity: best.rule.severity, reason: renderReason(best.rule.reason, report, best.finding), rule: best.rule.name };
};
