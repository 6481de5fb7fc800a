/**
 * The Report: everything AlertWarden knows about one aggregated alert id inside one window.
 * A full report lives in S3 (it can outgrow Step Functions' 256 KB payload); executions
 * pass only its id and version.
 */
import type { Alert, Attribute, AttributeType } from './alert.ts';

export const SEVERITIES = ['safe', 'low', 'medium', 'high', 'critical', 'unclassified'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Ordering used for thresholds; `unclassified` ranks with `medium` so it is never silently ignored. */
export const SEVERITY_RANK: Record<Severity, number> = {
  safe: 0,
  low: 1,
  medium: 2,
  unclassified: 2,
  high: 3,
  critical: 4,
};

export const isAtLeast = (severity: Severity, threshold: Severity): boolean =>
  SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];

export const VERDICTS = ['malicious', 'suspicious', 'safe', 'info'] as const;
/** What an inspector concluded about one attribute (TheHive/Cortex-style taxonomy). */
export type FindingVerdict = (typeof VERDICTS)[number];

/** An attribute as held by a report: where it came from and how deep in discovery it sits. */
export interface ReportAttribute extends Attribute {
  /** attributeIdOf(type, key, value) */
  id: string;
  /** 0 for attributes carried by alerts; n+1 for one discovered while inspecting a depth-n attribute. */
  depth: number;
  /** `alert`, or the name of the inspector that discovered it. */
  origin: string;
}

export interface Finding {
  inspector: string;
  attributeId: string;
  attribute: { type: AttributeType; key: string; value: string };
  verdict: FindingVerdict;
  /** One line a human reads first, e.g. "listed in tor-exit-nodes". */
  title: string;
  /** Where the knowledge comes from (a list name, a feed, an API). */
  source?: string;
  detail?: Record<string, unknown>;
  inspectedAt: string;
}

/** An inspector that failed (threw, timed out, broke its contract) for one attribute. */
export interface InspectionFailure {
  inspector: string;
  attributeId: string;
  error: string;
  message: string;
  failedAt: string;
}

export interface ReportAlert extends Alert {
  fingerprint: string;
  receivedAt: string;
}

export interface Verdict {
  severity: Severity;
  reason: string;
}

export const REPORT_PHASES = ['preliminary', 'final'] as const;
/** `preliminary`: reviewed before the aggregation wait (fast path); `final`: after it. */
export type ReportPhase = (typeof REPORT_PHASES)[number];

export interface Report {
  id: string;
  alertId: string;
  detector: string;
  rule_id: string;
  rule_name?: string;
  alert_key?: string;
  /** Increases with each review; emitters see each version at most once. */
  version: number;
  phase: ReportPhase;
  createdAt: string;
  windowEndsAt: string;
  reviewedAt?: string;
  alerts: ReportAlert[];
  attributes: ReportAttribute[];
  findings: Finding[];
  inspectionFailures: InspectionFailure[];
  verdict?: Verdict;
  /** The verdict emitters last delivered, so an update can say what changed. */
  previous?: { version: number; phase: ReportPhase; severity: Severity; alertCount: number };
}

/** What the emitters reported back for one report version. */
export interface Emission {
  emitter: string;
  version: number;
  status: 'delivered' | 'skipped' | 'failed';
  detail?: string;
  at: string;
}
