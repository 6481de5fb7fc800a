/**
 * Publishes each report to an SNS topic, for subscribers such as chat bots, ticketing or a
 * SIEM. Message attributes carry severity, phase and report id so subscriptions can filter
 * (e.g. only `critical`) without parsing the body.
 */
import type { PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { clientOf, type Lazy } from '../../adapters/aws-clients.ts';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import type { Report } from '../../core/report.ts';

/**
 * SNS refuses messages over 256 KiB, message attributes included; 240 KiB for the body
 * leaves room for the attributes and JSON escaping slack.
 */
export const MAX_MESSAGE_BYTES = 240 * 1024;

export interface SnsEmitterOptions {
  topicArn: string;
  client: Lazy<SNSClient>;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * What subscribers get when the full report is too big: enough to page and to fetch the
 * full report from the archive (by id and version). Alert ids are the alerts' fingerprints,
 * as many as fit.
 */
export const compactReportMessage = (report: Report, maxBytes = MAX_MESSAGE_BYTES): string => {
  const base = {
    id: report.id,
    alertId: report.alertId,
    version: report.version,
    phase: report.phase,
    detector: report.detector,
    rule_id: report.rule_id,
    verdict: report.verdict ?? null,
    counts: {
      alerts: report.alerts.length,
      attributes: report.attributes.length,
      findings: report.findings.length,
      inspectionFailures: report.inspectionFailures.length,
    },
    truncated: true,
    note: 'The full report is too large for SNS; it is in the report archive under this id and version.',
  };
  const ids = report.alerts.map((a) => a.fingerprint);
  // Sized with the largest possible omitted count, so the real message is never bigger.
  let budget = maxBytes - bytes(JSON.stringify({ ...base, alertIds: [], alertIdsOmitted: ids.length }));
  const kept: string[] = [];
  for (const id of ids) {
    const cost = bytes(JSON.stringify(id)) + 1;
    if (cost > budget) break;
    budget -= cost;
    kept.push(id);
  }
  const omitted = ids.length - kept.length;
  return JSON.stringify({ ...base, alertIds: kept, ...(omitted > 0 ? { alertIdsOmitted: omitted } : {}) });
};

/** The full report when it fits, else the compact form. */
export const messageOf = (report: Report): { body: string; compact: boolean } => {
  const full = JSON.stringify(report);
  return bytes(full) <= MAX_MESSAGE_BYTES ? { body: full, compact: false } : { body: compactReportMessage(report), compact: true };
};

export const publishInputOf = (report: Report, topicArn: string, message = messageOf(report).body): PublishCommandInput => {
  const attribute = (value: string) => ({ DataType: 'String', StringValue: value });
  return {
    TopicArn: topicArn,
    Message: message,
    MessageAttributes: {
      severity: attribute(report.verdict?.severity ?? 'unclassified'),
      phase: attribute(report.phase),
      report_id: attribute(report.id),
    },
  };
};

/**
 * Errors from SNS propagate: the pipeline retries the emit step and records a failure only
 * when retries run out.
 *
 * @example
 * const emitter = createSnsEmitter({ topicArn: 'arn:aws:sns:eu-west-1:123456789012:security-reports', client: new SNSClient({}) });
 */
export const createSnsEmitter = (options: SnsEmitterOptions): Emitter =>
  defineEmitter({
    name: 'sns',
    async emit(report) {
      const message = messageOf(report);
      const { PublishCommand } = await import('@aws-sdk/client-sns');
      const { MessageId } = await (await clientOf(options.client)).send(new PublishCommand(publishInputOf(report, options.topicArn, message.body)));
      const compact = message.compact ? ', compact form: the report is too large for SNS' : '';
      return { status: 'delivered', detail: `SNS message ${MessageId ?? '(no id)'}${compact}` };
    },
  });
