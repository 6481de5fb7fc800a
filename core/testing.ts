/**
 * Test helpers shipped for plugin authors: valid attributes and reports in one line, and
 * `runInspector`, which runs an inspector the way the pipeline does (validated input, a real
 * AbortSignal, checked output) so a contract slip fails in the author's unit test, not on the
 * first real alert.
 */
import * as z from 'zod';
import { AttributeSchema, type Alert, type AttributeInput, type AttributeType } from './alert.ts';
import { formatPath } from './errors.ts';
import { alertFingerprintOf, alertIdOf, attributeIdOf, emissionKeyOf, reportIdOf } from './ids.ts';
import type { CheckedInspectionResult, EmitContext, EmitterState, Inspector, PluginLogger } from './plugins.ts';
import { callInspector, prepareInspectors } from './pipeline/inspection.ts';
import { VERDICTS, type Finding, type Report, type ReportAlert, type ReportAttribute } from './report.ts';
import { StaticSecretReader } from './secrets.ts';

/** Same default as the pipeline's, so a test times out where production would. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** Fixed, so snapshots and ids do not change from one run to the next. */
export const TEST_TIME = '2024-01-01T00:00:00.000Z';
const WINDOW_MS = 5 * 60_000;

/** A logger that drops everything. */
export const silentLogger: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * What the pipeline hands an emitter, with the secrets it may read. The idempotency key is the
 * one the pipeline would give `makeReport()`'s version 1 unless another is passed.
 *
 * @example
 * await myEmitter.emit(makeReport(), makeEmitContext({ '/alertwarden/test/webhook': 'https://hooks.example/T/x' }));
 */
export const makeEmitContext = (
  secrets: Record<string, string> = {},
  logger: PluginLogger = silentLogger,
  idempotencyKey: string = emissionKeyOf(makeReport().id, 1, 'test'),
  state: EmitterState = memoryEmitterState(),
): EmitContext => ({
  idempotencyKey,
  logger,
  secrets: new StaticSecretReader(secrets),
  state,
});

/**
 * EmitContext.state held in memory; pass the same one to successive emits to play a report's
 * versions (preliminary, final, re-review) through one emitter. Values are copied as JSON,
 * as the table stores them.
 */
export const memoryEmitterState = (): EmitterState & { value?: Record<string, unknown> } => {
  const holder: EmitterState & { value?: Record<string, unknown> } = {
    get: async () => (holder.value === undefined ? undefined : (JSON.parse(JSON.stringify(holder.value)) as Record<string, unknown>)),
    put: async (value) => {
      holder.value = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
    },
  };
  return holder;
};

/** A valid value for each type, so `makeAttribute({ type: 'domain' })` is enough. */
const SAMPLE_VALUES: Record<AttributeType, string> = {
  ipaddr: '198.51.100.7',
  domain: 'evil.example',
  url: 'https://evil.example/login',
  username: 'alice',
  filehash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  aws_instance_id: 'i-0123456789abcdef0',
  aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE',
  aws_account_id: '123456789012',
  aws_arn: 'arn:aws:iam::123456789012:user/alice',
  aws_region: 'us-east-1',
  aws_eni_id: 'eni-0123456789abcdef0',
  event_id: '3038ebd2-c98a-4c65-9b6e-e22506292313',
  user_agent: 'aws-cli/2.15.0 Python/3.11.6',
  port: '22',
};

/** `findings[0].verdict: …`, the path style used across AlertWarden's errors. */
const describeIssues = (error: z.ZodError) =>
  error.issues
    .map((issue) => {
      const path = formatPath(issue.path);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');


/**
 * A valid report attribute; `id` is derived from type, key and value unless given.
 *
 * @example
 * const ip = makeAttribute({ value: '203.0.113.9', context: ['remote'] });
 * const discovered = makeAttribute({ type: 'domain', depth: 1, origin: 'dns' });
 */
export const makeAttribute = (partial: Partial<ReportAttribute> = {}): ReportAttribute => {
  const type = partial.type ?? 'ipaddr';
  const parsed = AttributeSchema.safeParse({
    type,
    key: partial.key ?? type,
    value: partial.value ?? SAMPLE_VALUES[type],
    context: partial.context ?? [],
  });
  if (!parsed.success) throw new TypeError(`makeAttribute: ${describeIssues(parsed.error)}`);
  return { ...parsed.data, id: partial.id ?? attributeIdOf(parsed.data), depth: partial.depth ?? 0, origin: partial.origin ?? 'alert' };
};

/**
 * One alert as a report holds it. Alerts that differ only in `description` get different fingerprints.
 *
 * @example
 * const alerts = Array.from({ length: 15 }, (_, i) => makeAlert({ description: `hit ${i}` }));
 */
export const makeAlert = (partial: Partial<ReportAlert> = {}): ReportAlert => {
  const { fingerprint, receivedAt, ...rest } = partial;
  const alert: Alert = { detector: 'example-detector', rule_id: 'example-rule', attributes: [], ...rest };
  return { ...alert, fingerprint: fingerprint ?? alertFingerprintOf(alert), receivedAt: receivedAt ?? TEST_TIME };
};

/**
 * A finding on an attribute (by default a malicious verdict on `makeAttribute()`).
 *
 * @example
 * makeFinding({ inspector: 'blocklist', title: 'listed in tor-exit-nodes', source: 'tor-exit-nodes' });
 */
export const makeFinding = (partial: Partial<Finding> = {}): Finding => {
  const attribute = makeAttribute(partial.attribute ?? {});
  return {
    inspector: 'example-inspector',
    attributeId: attribute.id,
    attribute: { type: attribute.type, key: attribute.key, value: attribute.value },
    verdict: 'malicious',
    title: 'flagged by example-inspector',
    inspectedAt: TEST_TIME,
    ...partial,
  };
};

/**
 * A valid report with one alert and nothing inspected yet; ids follow detector, rule and key.
 *
 * @example
 * const report = makeReport({ findings: [makeFinding()], verdict: { severity: 'high', reason: 'listed' } });
 */
export const makeReport = (partial: Partial<Report> = {}): Report => {
  const detector = partial.detector ?? 'example-detector';
  const rule_id = partial.rule_id ?? 'example-rule';
  const key = partial.alert_key === undefined ? {} : { alert_key: partial.alert_key };
  const alertId = partial.alertId ?? alertIdOf({ detector, rule_id, ...key });
  const createdAt = partial.createdAt ?? TEST_TIME;
  const start = Date.parse(createdAt);
  return {
    id: reportIdOf(alertId, start),
    alertId,
    detector,
    rule_id,
    version: 1,
    phase: 'preliminary',
    createdAt,
    windowEndsAt: new Date(start + WINDOW_MS).toISOString(),
    alerts: [makeAlert({ detector, rule_id, ...key })],
    attributes: [],
    findings: [],
    inspectionFailures: [],
    ...partial,
  };
};

export interface RunInspectorOptions {
  /** Defaults to the inspector's own timeoutMs, then 10 s. */
  timeoutMs?: number;
  reportId?: string;
  logger?: PluginLogger;
  depth?: number;
  origin?: string;
}

/**
 * Runs one inspection as the pipeline would (`prepare` first, once) and returns the checked result.
 * Throws `TypeError` for a bad test attribute, `PluginContractError` when the inspector returns
 * garbage, `InspectorTimeoutError` past its budget, and whatever the inspector itself throws.
 *
 * @example
 * const result = await runInspector(myInspector, { type: 'ipaddr', key: 'src', value: '203.0.113.9' });
 * assert.equal(result.findings[0]?.verdict, 'malicious');
 */
export const runInspector = async (
  inspector: Inspector,
  input: AttributeInput,
  options: RunInspectorOptions = {},
): Promise<CheckedInspectionResult> => {
  const parsed = AttributeSchema.safeParse(input);
  if (!parsed.success) throw new TypeError(`runInspector: invalid attribute: ${describeIssues(parsed.error)}`);
  if (!inspector.accepts.includes(parsed.data.type)) {
    throw new TypeError(`runInspector: inspector ${inspector.name} does not accept ${parsed.data.type} attributes`);
  }
  const attribute = makeAttribute({ ...parsed.data, depth: options.depth ?? 0, origin: options.origin ?? 'alert' });
  const logger = options.logger ?? silentLogger;
  await prepareInspectors([inspector], logger);
  return callInspector(inspector, attribute, {
    reportId: options.reportId ?? 'test-report',
    logger,
    timeoutMs: options.timeoutMs ?? inspector.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
};
