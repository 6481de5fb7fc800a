/**
 * Ports to storage and execution. Core logic depends on these interfaces only; the AWS SDK
 * implementations live in `adapters/` and are the ONLY implementations, locally too
 * (pointed at loopback DynamoDB and S3 servers).
 */
import type { Alert, Attribute, AttributeType } from './alert.ts';
import type { Emission, Finding, InspectionFailure, Report, ReportAlert, ReportAttribute, ReportPhase, Severity, Verdict } from './report.ts';

/** Pipeline bookkeeping of a report, held in one DynamoDB item and changed only by conditional updates. */
export interface ReportState {
  reportId: string;
  alertId: string;
  detector: string;
  rule_id: string;
  rule_name?: string;
  alert_key?: string;
  createdAt: string;
  windowEndsAt: string;
  /** An execution owns the report while true; the next alert starts a new round only when it is false. */
  running: boolean;
  /** Pipeline rounds claimed; a round maps to one execution name. */
  round: number;
  /** Highest round whose execution start was confirmed; below `round` means a start must be retried. */
  startedRound: number;
  /** Set by every new alert, cleared by the final review's snapshot: tells a finishing round to go again. */
  dirty: boolean;
  version: number;
  lastVerdict?: Verdict & { version: number; phase: ReportPhase };
  /** What the emitters were last given, so an update can say what changed. */
  lastEmitted?: { version: number; phase: ReportPhase; severity: Severity; alertCount: number };
  lastError?: string;
  /**
   * While a round is owned (running) or a failed one awaits its retry: when the sweeper
   * should look at the report (epoch ms). Absent when idle. A round still running at this
   * time is taken for dead and the next round is started.
   */
  sweepAt?: number;
  /** Rounds re-driven since the last one that finished; past the configured maximum the report is given up on. */
  redrives?: number;
}

export interface OpenReportInput {
  alertId: string;
  alert: Alert;
  nowMs: number;
  windowMs: number;
}

/** An alert id's current window: the report its alerts aggregate into until `windowEndsAtMs`. */
export interface ReportWindow {
  reportId: string;
  alertId: string;
  createdAtMs: number;
  windowEndsAtMs: number;
}

/** The state a new report starts with, before any round: what both stores write for it. */
export const newReportState = (window: ReportWindow, alert: Pick<Alert, 'detector' | 'rule_id' | 'rule_name' | 'alert_key'>): ReportState => ({
  reportId: window.reportId,
  alertId: window.alertId,
  detector: alert.detector,
  rule_id: alert.rule_id,
  ...(alert.rule_name !== undefined ? { rule_name: alert.rule_name } : {}),
  ...(alert.alert_key !== undefined ? { alert_key: alert.alert_key } : {}),
  createdAt: new Date(window.createdAtMs).toISOString(),
  windowEndsAt: new Date(window.windowEndsAtMs).toISOString(),
  running: false,
  round: 0,
  startedRound: 0,
  dirty: false,
  version: 0,
});

export interface InspectionTask {
  attributeId: string;
  inspector: string;
}

/** Several (attribute, inspector) pairs of a report: the unit the round step's Map runs. */
export interface InspectionBatch {
  tasks: InspectionTask[];
  /**
   * The pairs' attributes as the planner read them, when small: the inspection then need not
   * read them again. An attribute left out (a long value, or the plan's budget spent) is read by id.
   */
  attributes?: ReportAttribute[];
  /** Pairs beyond this plan wait for the next one: set on the last batch of a plan that was cut short. */
  more?: boolean;
}

/** The findings of one (attribute, inspector) pair. */
export interface InspectionResult {
  attributeId: string;
  inspector: string;
  findings: Finding[];
}

export interface ReportSnapshot {
  state: ReportState;
  alerts: ReportAlert[];
  attributes: ReportAttribute[];
  findings: Finding[];
  inspectionFailures: InspectionFailure[];
  /** `${attributeId}#${inspector}` of every pair with a result, as listInspectionState gives. */
  inspected: Set<string>;
}

export interface Rejection {
  messageId: string;
  /** The refused item inside a message that carried several (`detail.findings[2]`); absent for the whole message. */
  item?: string;
  reason: string;
  issues: { path: string; message: string }[];
  /** The first bytes of the refused message, control characters escaped, for the analyst. */
  excerpt: string;
  rejectedAt: string;
}

/**
 * Work the pipeline gave up on after its retries: the workflow's dead-letter queue, listable
 * per day like rejections, so a delivery that never happened is on record and can be re-driven.
 */
export type PipelineFailure =
  | { kind: 'emission'; reportId: string; version: number; emitter: string; error: string; failedAt: string }
  | {
      kind: 'round';
      reportId: string;
      round: number;
      error: string;
      failedAt: string;
      /** How many alerts the report held when it was given up on, and the first of them, named. */
      alertCount?: number;
      alerts?: { fingerprint: string; detector: string; rule_id: string; alert_key?: string; description?: string }[];
    };

/** One alert joining one report, with the attributes it brings (ingest's unit of work). */
export interface Membership {
  reportId: string;
  alert: ReportAlert;
  attributes: ReportAttribute[];
}

export type EmissionClaim =
  /** `attempt` counts claims of this (version, emitter); above 1 the target may have seen it already. */
  | { outcome: 'claimed'; attempt: number }
  | { outcome: 'delivered' }
  | { outcome: 'leased'; leaseUntilMs: number };

/** An earlier report an attribute value appeared in, as the correlation inspector shows it. */
export interface PastReport {
  reportId: string;
  detector: string;
  rule_id: string;
  /** The report's last verdict, when it has been reviewed. */
  severity?: Severity;
  /** When the value was first and last recorded in that report. */
  firstSeen: string;
  lastSeen: string;
}

export interface SightingQuery {
  /** Sightings at or after this time only. */
  sinceMs: number;
  /** Reports returned at most, newest first. */
  limit: number;
  /** Left out (the report being inspected, which always has a sighting of its own). */
  excludeReportId?: string;
}

/** Where an attribute value was seen before (recorded when a report gains the attribute, while sightings are on). */
export interface SightingReader {
  /** One indexed lookup of the value (type + value, whatever the attribute key), never a scan. */
  findSightings(type: AttributeType, value: string, query: SightingQuery): Promise<PastReport[]>;
}

/** A per-report allowance for costly lookups (third-party APIs with daily quotas). */
export interface InspectionBudget {
  /** Takes one unit of the report's budget `name`; false once `limit` units are taken. Atomic across concurrent inspections. */
  takeBudget(reportId: string, name: string, limit: number): Promise<boolean>;
}

export interface ReportStore extends SightingReader, InspectionBudget {
  /** The report of the alert id's current window; creates it when there is none or the window has ended. */
  openReport(input: OpenReportInput): Promise<ReportState>;
  /**
   * The window half of openReport: the alert id's open window, or a new one when there is
   * none or it has ended. The report's state is not written (see startReport).
   */
  openWindow(input: OpenReportInput): Promise<ReportWindow>;
  /**
   * Creates the report's state with its first round already claimed (claimRound's result on a
   * new report, in one write instead of two); undefined when the state exists already.
   */
  startReport(window: ReportWindow, alert: Alert): Promise<ReportState | undefined>;
  /** Batch read: the report of each alert id whose window is still open at `nowMs`; alert ids without one are absent. */
  findOpenReports(alertIds: string[], nowMs: number): Promise<Map<string, string>>;
  getState(reportId: string): Promise<ReportState | undefined>;
  /** Batch read of report states (strongly consistent); reports without state are absent. */
  getStates(reportIds: string[]): Promise<Map<string, ReportState>>;
  /**
   * Batch form of addAlert + addAttributes, for distinct memberships: each one not yet a member
   * is written unregistered; for it and for a member left unregistered, the attributes its
   * report does not hold yet are written too. Results in input order.
   */
  addMembers(members: Membership[]): Promise<{ added: boolean; registered: boolean }[]>;
  /** Batch form of markAlertRegistered, for members written by addMembers. */
  markMembersRegistered(members: Membership[]): Promise<void>;
  /** Adds the alert unless the same fingerprint is already a member. `registered` tells whether the follow-up bookkeeping finished. */
  addAlert(reportId: string, alert: ReportAlert): Promise<{ added: boolean; registered: boolean }>;
  markAlertRegistered(reportId: string, fingerprint: string): Promise<void>;
  /** Puts attributes not yet known to the report; returns how many were new. */
  addAttributes(reportId: string, attributes: ReportAttribute[]): Promise<number>;
  markDirty(reportId: string): Promise<ReportState>;
  /** running false -> true and round + 1, watched by the sweeper from now on; undefined when another caller holds the report. */
  claimRound(reportId: string): Promise<ReportState | undefined>;
  confirmStarted(reportId: string, round: number): Promise<void>;

  /**
   * What the planner needs, in one read: every attribute of the report, and
   * `${attributeId}#${inspector}` of every pair that has a result (findings or a failure).
   */
  listInspectionState(reportId: string): Promise<{ attributes: ReportAttribute[]; inspected: Set<string> }>;
  /** Batch read (strongly consistent): the attributes of these ids the report holds, in input order; unknown ids are left out. */
  getAttributes(reportId: string, attributeIds: string[]): Promise<ReportAttribute[]>;
  /** Batch write of pairs' findings; findings replace an earlier failure record of the same pair. */
  putFindings(reportId: string, results: InspectionResult[]): Promise<void>;
  /** Records a pair's failure unless the pair already has a result (findings or an earlier failure); true when recorded. */
  putInspectionFailure(reportId: string, failure: InspectionFailure): Promise<boolean>;

  /** Bumps the version; a final review also clears `dirty`, taking the snapshot point. */
  beginReview(reportId: string, phase: ReportPhase): Promise<ReportState>;
  loadSnapshot(reportId: string): Promise<ReportSnapshot>;
  saveVerdict(
    reportId: string,
    verdict: Verdict & { version: number; phase: ReportPhase },
    emitted?: ReportState['lastEmitted'],
  ): Promise<void>;

  /**
   * Takes the lease of one (version, emitter) for an emit attempt, unless it was delivered or
   * another attempt's lease has not yet run out. `token` identifies this attempt's lease.
   */
  claimEmission(reportId: string, emitter: string, version: number, lease: { token: string; untilMs: number }): Promise<EmissionClaim>;
  /** Gives the lease back after an attempt that failed, so the retry need not wait for it to run out. Only `token`'s holder can. */
  releaseEmission(reportId: string, emitter: string, version: number, token: string): Promise<void>;
  /** The outcome of an attempt (or of the whole emit step, on failure); ends the lease. */
  recordEmission(reportId: string, emission: Emission): Promise<void>;
  listEmissions(reportId: string): Promise<Emission[]>;
  /** An emitter's own state for a report (EmitContext.state); undefined before its first put. */
  getEmitterState(reportId: string, emitter: string): Promise<Record<string, unknown> | undefined>;
  putEmitterState(reportId: string, emitter: string, value: Record<string, unknown>): Promise<void>;

  /**
   * Ends `round`: releases the report (running false), or, when alerts joined since the final
   * snapshot, claims round + 1 for them (running stays true). Idempotent for a retried call.
   */
  finishRound(reportId: string, round: number): Promise<ReportState>;
  /** Releases the report with the error kept on it and stops watching it; returns the state (its `round` is the one that failed). */
  failRound(reportId: string, error: string): Promise<ReportState>;
  /**
   * A failed round keeps the report (running stays true, so no other start races the retry)
   * and asks the sweeper to re-drive it at `atMs`. Undefined when `round` is no longer current.
   */
  scheduleRedrive(reportId: string, round: number, atMs: number, error: string): Promise<ReportState | undefined>;
  /**
   * Takes over a round that failed or never finished: round + 1 (a new execution name),
   * `redrives` + 1, watched again. Undefined when `round` is no longer current (it finished
   * meanwhile, or another sweeper got there first).
   */
  redriveRound(reportId: string, round: number): Promise<ReportState | undefined>;
  /** The reports the sweeper should look at by `untilMs`, with when (a sparse index: idle reports are not in it). */
  listSweepable(untilMs: number): Promise<{ reportId: string; sweepAt: number }[]>;

  recordRejection(rejection: Rejection): Promise<void>;
  listRejections(day: string): Promise<Rejection[]>;
  /** Idempotent per (report, version, emitter) or (report, round): a retried recording does not list it twice. */
  recordFailure(failure: PipelineFailure): Promise<void>;
  listFailures(day: string): Promise<PipelineFailure[]>;
  listReportIds(): Promise<string[]>;
}

/** The S3 archive of full reports, one object per version. */
export interface ReportArchive {
  put(report: Report): Promise<string>;
  get(reportId: string, version: number): Promise<Report>;
}

/** Where a person reads one archived report version; emitters put it in their messages. */
export interface ReportLinks {
  urlOf(reportId: string, version: number): Promise<string | undefined>;
}

/**
 * A pipeline execution's input: the report round, and the aggregation wait it runs with (the
 * configured one, carried so the state machine can skip a triage that the conclusion would
 * repeat at once when it is 0).
 */
export interface RoundInput {
  reportId: string;
  round: number;
  waitSeconds: number;
}

/** Starting a pipeline execution: Step Functions in AWS, the embedded engine locally. */
export interface ExecutionStarter {
  /** Idempotent per name: starting the same name with the same input again is not an error. */
  start(name: string, input: RoundInput): Promise<void>;
}

export type { Attribute };
