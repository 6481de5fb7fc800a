/**
 * A report as a Slack Block Kit message. Alert fields, attribute values, finding titles and
 * user agents are chosen by whoever triggers the alert, so every such value is shown as
 * inline code with `&`, `<`, `>` escaped and backticks replaced: it can then never become a
 * mention (`<!channel>`, `<!here>`, `<@U…>`, `<#C…>`), a link, or formatting.
 */
import { describeChange, sanitizeText } from '../../core/summary.ts';
import type { Finding, Report, Severity } from '../../core/report.ts';
import { severityOf } from '../notify.ts';

/** Slack's documented limits (Block Kit reference): blocks per message, text per section, header text. */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, headerText: 150, fallbackText: 3000 } as const;

export const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: '#8b0000',
  high: '#e01e5a',
  medium: '#ecb22e',
  unclassified: '#9e9e9e',
  low: '#36c5f0',
  safe: '#2eb67d',
};

const escapeEntities = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Untrusted text as inline code: shown verbatim, never parsed for mentions, links or formatting.
 *
 * @example
 * slackLiteral('<!channel> *hi*') // '`‹!channel&gt; *hi*`'
 */
export const slackLiteral = (text: string, maxChars = 300): string => {
  const clean = sanitizeText(text, maxChars).replace(/`/g, 'ˋ');
  return clean ? `\`${escapeEntities(clean)}\`` : '`(empty)`';
};

/** Untrusted text for plain_text fields (headers), which Slack never parses for mentions or links. */
const plainText = (text: string, maxChars: number) => sanitizeText(text, maxChars);

export interface SlackBlock {
  type: string;
  [key: string]: unknown;
}

export interface SlackMessage {
  /** Notification and fallback text. */
  text: string;
  attachments: { color: string; blocks: SlackBlock[] }[];
}

export interface SlackMessageOptions {
  reportUrl?: string;
  /** Marks the message as an update in a thread (or, for webhooks, a follow-up post). */
  update?: boolean;
}

const section = (text: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

const findingLine = (f: Finding) =>
  `• *${f.verdict}* ${slackLiteral(f.inspector, 40)} ${f.attribute.type} ${slackLiteral(f.attribute.value, 120)}: ${slackLiteral(f.title, 200)}`;

/**
 * Groups lines into sections within Slack's per-section text limit, using at most `maxBlocks`
 * blocks; what does not fit is replaced by a marker pointing at the full report.
 */
export const linesToSections = (title: string, lines: string[], maxBlocks: number): SlackBlock[] => {
  const limit = SLACK_LIMITS.sectionText;
  const blocks: string[] = [`*${title}*`];
  let shown = 0;
  for (const line of lines) {
    const cut = line.length > limit - 10 ? `${line.slice(0, limit - 11)}…` : line;
    const current = blocks[blocks.length - 1]!;
    if (current.length + 1 + cut.length <= limit - 60) blocks[blocks.length - 1] = `${current}\n${cut}`;
    else if (blocks.length < maxBlocks) blocks.push(cut);
    else break;
    shown++;
  }
  const omitted = lines.length - shown;
  if (omitted > 0) blocks[blocks.length - 1] += `\n_… ${omitted} more not shown (truncated): see the full report_`;
  return blocks.map(section);
};

/**
 * @example
 * const { text, attachments } = slackMessageOf(report, { reportUrl: 'https://soc.example/r/1' });
 * await client.chat.postMessage({ channel, text, attachments });
 */
export const slackMessageOf = (report: Report, options: SlackMessageOptions = {}): SlackMessage => {
  const severity = severityOf(report);
  const rule = report.rule_name ?? report.rule_id;
  const prefix = options.update ? 'Update: ' : '';
  const header: SlackBlock = {
    type: 'header',
    text: { type: 'plain_text', text: plainText(`${prefix}${severity.toUpperCase()}: ${rule}`, SLACK_LIMITS.headerText), emoji: false },
  };
  const facts: SlackBlock = {
    type: 'section',
    fields: [
      { type: 'mrkdwn', text: `*Severity*\n${severity}` },
      { type: 'mrkdwn', text: `*Alerts*\n${report.alerts.length}` },
      { type: 'mrkdwn', text: `*Rule*\n${slackLiteral(report.detector, 100)} / ${slackLiteral(report.rule_id, 200)}` },
      { type: 'mrkdwn', text: `*Review*\nversion ${report.version} (${report.phase})` },
    ],
  };
  const reason = section(`*Reason*\n${report.verdict ? slackLiteral(report.verdict.reason, 1000) : 'not reviewed yet'}`);
  const change = describeChange(report);
  const changeBlocks = change ? [section(`*Change since version ${report.previous?.version}*\n${escapeEntities(change)}`)] : [];
  const latest = report.alerts.at(-1);
  const latestBlocks = latest?.description ? [section(`*Latest alert*\n${slackLiteral(latest.description, 1000)}`)] : [];
  const link = options.reportUrl ? [section(`<${escapeEntities(options.reportUrl)}|Full report, version ${report.version}>`)] : [];
  const context: SlackBlock = {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `report ${slackLiteral(report.id, 100)} · ${report.findings.length} findings · ${report.inspectionFailures.length} inspection failures` }],
  };

  const fixed = [header, facts, reason, ...changeBlocks, ...latestBlocks, ...link, context];
  const entityLines = report.attributes.map(
    (a) => `• ${a.type} ${slackLiteral(a.value, 200)}${a.depth > 0 ? ` (found by ${slackLiteral(a.origin, 40)})` : ` (${slackLiteral(a.key, 60)})`}`,
  );
  const findingLines = report.findings.map(findingLine);
  // What is left of the 50 blocks goes to entities and findings, findings first: they say why.
  const room = SLACK_LIMITS.blocks - fixed.length;
  const findingBlocks = findingLines.length ? linesToSections(`Findings (${findingLines.length})`, findingLines, Math.max(1, Math.ceil(room / 2))) : [];
  const entityBlocks = entityLines.length ? linesToSections(`Entities (${entityLines.length})`, entityLines, Math.max(1, room - findingBlocks.length)) : [];
  const blocks = [header, facts, reason, ...changeBlocks, ...latestBlocks, ...findingBlocks, ...entityBlocks, ...link, context];

  const text = `${prefix}${severity.toUpperCase()}: ${slackLiteral(rule, 200)}, ${report.alerts.length} alert${report.alerts.length === 1 ? '' : 's'}`;
  return { text, attachments: [{ color: SEVERITY_COLOURS[severity], blocks }] };
};
