/**
 * E-mail through Amazon SES v2 SendEmail: a plain-text and an HTML body (every value
 * HTML-escaped), recipients chosen by severity. The SES client is created on first use. SES
 * throttling and 5xx are retried by the SDK's standard retry strategy (back-off with jitter),
 * then by the emit step; a delivery that still fails is recorded like any failed emission.
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import * as z from 'zod';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import { isAtLeast, SEVERITIES, type Report, type Severity } from '../../core/report.ts';
import { formatReportSummary, sanitizeText } from '../../core/summary.ts';
import { deliveredKeys, notifyDecision, severityOf, withDelivered } from '../notify.ts';
import type { EmailSettings } from './config.ts';

export interface EmailEmitterOptions extends EmailSettings {
  /** Called on the first e-mail only. */
  client: () => SESv2Client;
}

const EmailState = z.object({ recipients: z.array(z.string()).optional(), lastSeverity: z.enum(SEVERITIES).optional() }).loose();

/** Every list whose threshold the severity reaches. */
export const recipientsFor = (recipients: EmailSettings['recipients'], severity: Severity): string[] => [
  ...new Set(
    (Object.entries(recipients) as [Severity, string[]][]).filter(([threshold]) => isAtLeast(severity, threshold)).flatMap(([, list]) => list),
  ),
];

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export const emailOf = (report: Report, reportUrl?: string) => {
  const severity = severityOf(report);
  const update = report.previous ? 'Update: ' : '';
  const subject = sanitizeText(`[AlertWarden] ${update}${severity.toUpperCase()}: ${report.rule_name ?? report.rule_id} (${report.alerts.length} alert${report.alerts.length === 1 ? '' : 's'})`, 200);
  // The summary is already one-line-per-item and free of control characters; HTML-escaping makes it inert markup.
  const summary = formatReportSummary(report);
  const text = `${summary}${reportUrl ? `\n\nFull report: ${reportUrl}` : ''}\n`;
  const html = [
    '<!doctype html><html><body>',
    `<h2>${escapeHtml(`${update}${severity.toUpperCase()}`)}: ${escapeHtml(sanitizeText(report.rule_name ?? report.rule_id))}</h2>`,
    `<pre style="font-family:monospace;white-space:pre-wrap">${escapeHtml(summary)}</pre>`,
    reportUrl ? `<p><a href="${escapeHtml(reportUrl)}">Full report, version ${report.version}</a></p>` : '',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
};

/**
 * @example
 * createEmailEmitter({ from: 'alertwarden@example.com', recipients: { high: ['secops@example.com'] }, filter, client: () => new SESv2Client({}) })
 */
export const createEmailEmitter = (options: EmailEmitterOptions): Emitter => {
  let client: SESv2Client | undefined;
  return defineEmitter({
    name: 'email',
    async emit(report, ctx) {
      const state = EmailState.parse((await ctx.state.get()) ?? {});
      const key = ctx.idempotencyKey;
      if (deliveredKeys(state).includes(key)) return { status: 'delivered', detail: 'already sent for this version' };
      const decision = notifyDecision(options.filter, report, state.recipients !== undefined);
      if (!decision.notify) return { status: 'skipped', detail: decision.reason };
      const severity = severityOf(report);
      // Whoever was told about this report before hears how it ended, even when it fell below their list's threshold.
      const to = [...new Set([...recipientsFor(options.recipients, severity), ...(state.recipients ?? [])])];
      if (to.length === 0) return { status: 'skipped', detail: `no recipients for severity ${severity}` };
      const { subject, text, html } = emailOf(report, ctx.reportUrl);
      client ??= options.client();
      const sent = await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: to },
          Content: {
            Simple: {
              Subject: { Data: subject, Charset: 'UTF-8' },
              Body: { Text: { Data: text, Charset: 'UTF-8' }, Html: { Data: html, Charset: 'UTF-8' } },
            },
          },
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
          EmailTags: [
            { Name: 'alertwarden-severity', Value: severity },
            { Name: 'alertwarden-version', Value: String(report.version) },
          ],
        }),
      );
      await ctx.state.put(withDelivered({ ...state, recipients: to, lastSeverity: severity }, key));
      return { status: 'delivered', detail: `SES message ${sent.MessageId ?? '(no id)'} to ${to.length} recipient${to.length === 1 ? '' : 's'}` };
    },
  });
};
