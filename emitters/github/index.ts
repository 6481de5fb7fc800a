/**
 * GitHub issues (github.com or GitHub Enterprise Server) through @octokit/rest: one issue per
 * report, labelled by severity; the final update and re-reviews are comments on that issue,
 * its title and labels follow the latest verdict, and a later `safe` review closes it
 * (configurable). The issue number is kept in the emitter's per-report state.
 *
 * Issue bodies are Markdown: every value from an alert is shown as inline code (backticks
 * replaced), so it can never @mention a person or team, link an issue, embed an image or HTML.
 */
import { Octokit } from '@octokit/rest';
import * as z from 'zod';
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import { SEVERITIES, type Finding, type Report } from '../../core/report.ts';
import { describeChange, sanitizeText } from '../../core/summary.ts';
import { DeliveryError, deliveredKeys, isRetryableStatus, notifyDecision, retryAfterMsOf, severityOf, withDelivered, withRetries, type RetryOptions } from '../notify.ts';
import type { GitHubSettings } from './config.ts';

export interface GitHubEmitterOptions extends GitHubSettings {
  retry?: RetryOptions;
}

const GitHubState = z.object({ issue: z.number().int().optional(), closed: z.boolean().optional(), lastSeverity: z.enum(SEVERITIES).optional() }).loose();

/** GitHub caps an issue body or comment at 65,536 characters; lists stop well before. */
const MAX_LINES = 100;
const MAX_BODY_CHARS = 60_000;

/** Untrusted text as inline code: no mention, reference, link, image or HTML can come out of it. */
export const markdownLiteral = (text: string, maxChars = 300): string => {
  const clean = sanitizeText(text, maxChars).replace(/`/g, 'ˋ');
  return clean ? `\`${clean}\`` : '`(empty)`';
};

/** Titles are not code: mentions and references are defused there by lookalike characters. */
const titleOf = (report: Report) =>
  sanitizeText(`[${severityOf(report).toUpperCase()}] ${report.rule_name ?? report.rule_id} (${report.detector})`, 240).replace(/@/g, '＠').replace(/#(?=\d)/g, '#\u2060');

const listed = <T>(title: string, items: T[], line: (item: T) => string): string[] => {
  if (items.length === 0) return [];
  const shown = items.slice(0, MAX_LINES).map(line);
  const more = items.length > shown.length ? [`- _… ${items.length - shown.length} more not shown (truncated): see the full report_`] : [];
  return [`#### ${title} (${items.length})`, ...shown, ...more, ''];
};

const findingLine = (f: Finding) =>
  `- **${f.verdict}** ${markdownLiteral(f.inspector, 40)} ${f.attribute.type} ${markdownLiteral(f.attribute.value, 200)}: ${markdownLiteral(f.title, 200)}`;

/**
 * @example
 * await octokit.rest.issues.create({ owner, repo, title, body: issueMarkdownOf(report, 'https://soc.example/r/1') });
 */
export const issueMarkdownOf = (report: Report, reportUrl?: string, heading = 'AlertWarden report'): string => {
  const severity = severityOf(report);
  const change = describeChange(report);
  const lines = [
    `### ${heading}: ${severity.toUpperCase()}`,
    `**Rule** ${markdownLiteral(report.detector, 100)} / ${markdownLiteral(report.rule_id, 200)}${report.rule_name ? ` (${markdownLiteral(report.rule_name, 200)})` : ''} · **Alerts** ${report.alerts.length} · **Review** version ${report.version} (${report.phase})`,
    '',
    `**Reason** ${report.verdict ? markdownLiteral(report.verdict.reason, 1000) : 'not reviewed yet'}`,
    ...(change ? ['', `**Change since version ${report.previous?.version}**: ${change}`] : []),
    '',
    ...listed('Findings', report.findings, findingLine),
    ...listed('Entities', report.attributes, (a) => `- ${a.type} ${markdownLiteral(a.value, 200)} (${a.depth > 0 ? `found by ${markdownLiteral(a.origin, 40)}` : markdownLiteral(a.key, 60)})`),
    // Our own configured URL; angle brackets keep parentheses in it from ending the link.
    ...(reportUrl ? [`[Full report, version ${report.version}](<${reportUrl.replace(/[<>\s]/g, encodeURIComponent)}>)`, ''] : []),
    `<sub>report ${markdownLiteral(report.id, 100)}</sub>`,
  ];
  const body = lines.join('\n');
  return body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}\n\n_… truncated: see the full report_` : body;
};

/** Octokit's RequestError as a DeliveryError: GitHub's secondary rate limits answer 403 or 429 with Retry-After. */
const githubFailure = (error: unknown): DeliveryError => {
  const e = error as { status?: number; response?: { headers?: Record<string, string | undefined> } };
  if (typeof e.status !== 'number' || (e.status === 500 && !e.response)) return new DeliveryError('github', { retryable: true, reason: 'request failed' }, { cause: error });
  const headers = e.response?.headers ?? {};
  const retryAfterMs =
    retryAfterMsOf(headers['retry-after']) ??
    (headers['x-ratelimit-remaining'] === '0' && headers['x-ratelimit-reset'] ? Math.max(0, Number(headers['x-ratelimit-reset']) * 1000 - Date.now()) : undefined);
  const limited = (e.status === 403 || e.status === 429) && retryAfterMs !== undefined;
  return new DeliveryError('github', { status: e.status, retryable: limited || isRetryableStatus(e.status), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
};

/**
 * @example
 * createGitHubEmitter({ owner: 'acme', repo: 'security-incidents', tokenParameter: '/alertwarden/prod/github-token', closeOnSafe: true, labels: ['alertwarden'], filter })
 */
export const createGitHubEmitter = (options: GitHubEmitterOptions): Emitter =>
  defineEmitter({
    name: 'github',
    async emit(report, ctx) {
      const state = GitHubState.parse((await ctx.state.get()) ?? {});
      const key = ctx.idempotencyKey;
      if (deliveredKeys(state).includes(key)) return { status: 'delivered', detail: 'already filed for this version' };
      const decision = notifyDecision(options.filter, report, state.issue !== undefined);
      if (!decision.notify) return { status: 'skipped', detail: decision.reason };
      const octokit = new Octokit({
        auth: await ctx.secrets.read(options.tokenParameter),
        ...(options.apiUrl ? { baseUrl: options.apiUrl } : {}),
        userAgent: 'AlertWarden',
        request: { retries: 0 },
        log: { debug() {}, info() {}, warn() {}, error() {} },
      });
      const call = <T>(run: () => Promise<T>) => withRetries('github', () => run().catch((e: unknown) => Promise.reject(githubFailure(e))), undefined, options.retry);
      const severity = severityOf(report);
      const labels = [...options.labels, `severity:${severity}`];
      const { owner, repo } = options;
      const url = ctx.reportUrl;

      if (state.issue === undefined) {
        const created = await call(() => octokit.rest.issues.create({ owner, repo, title: titleOf(report), body: issueMarkdownOf(report, url), labels }));
        const issue = created.data.number;
        await ctx.state.put(withDelivered({ ...state, issue, closed: false, lastSeverity: severity }, key));
        return { status: 'delivered', detail: `GitHub issue #${issue} opened` };
      }

      const issue_number = state.issue;
      const close = severity === 'safe' && options.closeOnSafe;
      const reopen = state.closed === true && severity !== 'safe';
      await call(() => octokit.rest.issues.createComment({ owner, repo, issue_number, body: issueMarkdownOf(report, url, `Update, version ${report.version}`) }));
      await call(() =>
        octokit.rest.issues.update({
          owner,
          repo,
          issue_number,
          title: titleOf(report),
          labels,
          ...(close ? { state: 'closed' as const, state_reason: 'not_planned' as const } : reopen ? { state: 'open' as const } : {}),
        }),
      );
      await ctx.state.put(withDelivered({ ...state, closed: close || (state.closed === true && !reopen), lastSeverity: severity }, key));
      return { status: 'delivered', detail: `GitHub issue #${issue_number}: comment added${close ? ', closed (safe)' : reopen ? ', reopened' : ''}` };
    },
  });
