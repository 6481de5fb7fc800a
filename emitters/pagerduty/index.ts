/**
 * PagerDuty through its Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/),
 * by hand: PagerDuty publishes no maintained Node client for it. `dedup_key` is the report id,
 * so the preliminary page, the final update and every re-review land on ONE alert/incident;
 * a later review that says `safe` resolves it.
 */
import * as z from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import { SEVERITIES, type Report, type Severity } from '../../core/report.ts';
import { describeChange, sanitizeText } from '../../core/summary.ts';
import { deliveredKeys, filterFromEnv, notifyDecision, postJson, severityOf, withDelivered, withRetries, type NotifyFilter, type RetryOptions } from '../notify.ts';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's four severities. `unclassified` pages as a warning: unknown is not harmless. */
export const PAGERDUTY_SEVERITY: Record<Exclude<Severity, 'safe'>, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  unclassified: 'warning',
  low: 'info',
};

/** Events v2 caps summary at 1024 characters; lists are cut to keep the event well below its 512 KB. */
const SUMMARY_CHARS = 1024;
const MAX_LISTED = 50;

export interface PagerDutyEmitterOptions {
  routingKeyParameter: string;
  eventsUrl?: string;
  filter: NotifyFilter;
  retry?: RetryOptions;
}

const PagerDutyState = z.object({ triggered: z.boolean().optional(), lastSeverity: z.enum(SEVERITIES).optional() }).loose();

const listed = <T>(items: T[], line: (item: T) => string) => ({
  lines: items.slice(0, MAX_LISTED).map(line),
  ...(items.length > MAX_LISTED ? { omitted: items.length - MAX_LISTED } : {}),
});

/** The Events v2 body for a trigger (or resolve, with `action`). Untrusted text is sanitised: PagerDuty forwards it to chat, SMS and e-mail. */
export const pagerDutyEventOf = (report: Report, routingKey: string, action: 'trigger' | 'resolve', options: { reportUrl?: string; idempotencyKey: string }) => {
  const severity = severityOf(report);
  const rule = report.rule_name ?? report.rule_id;
  const base = { routing_key: routingKey, event_action: action, dedup_key: report.id, client: 'AlertWarden' };
  if (action === 'resolve') return base;
  const change = describeChange(report);
  return {
    ...base,
    payload: {
      summary: sanitizeText(`[${severity.toUpperCase()}] ${rule}: ${report.alerts.length} alert(s); ${report.verdict?.reason ?? 'not reviewed'}`, SUMMARY_CHARS),
      source: sanitizeText(report.detector, 255),
      severity: PAGERDUTY_SEVERITY[severity as Exclude<Severity, 'safe'>] ?? 'warning',
      timestamp: report.reviewedAt ?? report.createdAt,
      component: sanitizeText(report.rule_id, 255),
      group: sanitizeText(report.detector, 255),
      class: 'security-alert',
      custom_details: {
        report_id: report.id,
        version: report.version,
        phase: report.phase,
        severity,
        reason: sanitizeText(report.verdict?.reason ?? ''),
        alerts: report.alerts.length,
        ...(change ? { change } : {}),
        findings: listed(report.findings, (f) => `${f.verdict}: ${f.attribute.type}=${sanitizeText(f.attribute.value)} ${sanitizeText(f.title)} (${sanitizeText(f.inspector)})`),
        entities: listed(report.attributes, (a) => `${a.type}=${sanitizeText(a.value)}`),
        inspection_failures: report.inspectionFailures.length,
        delivery: options.idempotencyKey,
      },
    },
    ...(options.reportUrl ? { links: [{ href: options.reportUrl, text: `Full report, version ${report.version}` }] } : {}),
  };
};

/**
 * @example
 * createPagerDutyEmitter({ routingKeyParameter: '/alertwarden/prod/pagerduty-routing-key', filter: { minSeverity: 'high', rules: [], excludeRules: [] } })
 */
export const createPagerDutyEmitter = (options: PagerDutyEmitterOptions): Emitter =>
  defineEmitter({
    name: 'pagerduty',
    async emit(report, ctx) {
      const state = PagerDutyState.parse((await ctx.state.get()) ?? {});
      const key = ctx.idempotencyKey;
      if (deliveredKeys(state).includes(key)) return { status: 'delivered', detail: 'already sent for this version' };
      const severity = severityOf(report);
      if (severity === 'safe') {
        // Nothing open to resolve: a safe report never pages.
        if (!state.triggered) return { status: 'skipped', detail: 'safe, and no incident open for this report' };
      } else {
        const decision = notifyDecision(options.filter, report, state.triggered === true);
        if (!decision.notify) return { status: 'skipped', detail: decision.reason };
      }
      const action = severity === 'safe' ? 'resolve' : 'trigger';
      const routingKey = await ctx.secrets.read(options.routingKeyParameter);
      const event = pagerDutyEventOf(report, routingKey, action, { idempotencyKey: key, ...(ctx.reportUrl ? { reportUrl: ctx.reportUrl } : {}) });
      await withRetries('pagerduty', () => postJson('pagerduty', options.eventsUrl ?? PAGERDUTY_EVENTS_URL, JSON.stringify(event)), undefined, options.retry);
      await ctx.state.put(withDelivered({ ...state, triggered: action === 'trigger', lastSeverity: severity }, key));
      return { status: 'delivered', detail: `PagerDuty ${action} (dedup_key ${report.id})${'payload' in event ? `, severity ${event.payload.severity}` : ''}` };
    },
  });

export const pagerDutyEmitterFromEnv = (env: Record<string, string | undefined>): Emitter | undefined => {
  const routingKeyParameter = env.ALERTWARDEN_PAGERDUTY_ROUTING_KEY_PARAMETER?.trim();
  if (!routingKeyParameter) return undefined;
  const eventsUrl = env.ALERTWARDEN_PAGERDUTY_EVENTS_URL?.trim();
  if (eventsUrl && !/^https?:\/\//.test(eventsUrl)) throw new ConfigError('ALERTWARDEN_PAGERDUTY_EVENTS_URL: must be an http(s) URL');
  return createPagerDutyEmitter({ routingKeyParameter, ...(eventsUrl ? { eventsUrl } : {}), filter: filterFromEnv(env, 'PAGERDUTY', 'high') });
};
