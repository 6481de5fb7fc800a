/**
 * The human-readable summary of a report, shared by every emitter that shows text to people
 * (console, chat, e-mail). Machines get the JSON report; this is for the analyst's first glance.
 */
import { SEVERITY_RANK, type Emission, type Finding, type Report } from './report.ts';

/** Past this many lines a section is cut, so one noisy alert cannot bury the verdict. */
const MAX_LINES_PER_SECTION = 20;
const MAX_VALUE_CHARS = 300;

// Alert fields, attribute values and finding titles come from outside (an attacker can choose
// a URL or a user name): control characters could rewrite the terminal line and bidi overrides
// can make "evil.example" display as something else.
const LINE_BREAKS = /[\t\n\r\u0085\u2028\u2029]+/g;
// Zero-width characters go too: "adm\u200bin" must not pass for "admin"; so do the soft hyphen,
// the tag characters (invisible text some models and terminals still read) and the fillers
// that render as blanks (U+3164 HANGUL FILLER passes for a space or for nothing).
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u180b-\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufe00-\ufe0f\ufeff\uffa0\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]/gu;
// Slack reads <!channel>, <@U123> and <#C123> as mentions even inside a code block, and
// <https://evil|click> as a link whose text hides its target; a summary forwarded to chat
// must not page a whole channel or dress up a link because an attacker chose a user name.
const CHAT_TOKEN = /<(?=[!@#]|[a-z][a-z0-9+.-]*:)/gi;
// Markdown renderers (Teams, GitHub) turn [text](url) into a disguised link; bare @channel,
// @here and @everyone ping in Discord and in Slack messages sent with link_names.
const MARKDOWN_LINK = /\]\(/g;
const BROADCAST = /(?<!\w)@(?=(channel|here|everyone)\b)/gi;

/**
 * Makes an untrusted string safe to print on one line: line breaks become spaces, control,
 * bidi and zero-width characters are removed, chat mentions and disguised links are defused,
 * and very long values are cut.
 *
 * @example
 * sanitizeText('evil\u202Eexample\nnext <!channel>') // 'evilexample next ‹!channel>'
 */
export const sanitizeText = (text: string, maxChars = MAX_VALUE_CHARS): string => {
  const clean = text
    .replace(LINE_BREAKS, ' ')
    .replace(INVISIBLE, '')
    .replace(CHAT_TOKEN, '‹')
    .replace(MARKDOWN_LINK, '] (')
    .replace(BROADCAST, '＠');
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
};

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `count` is the number of items, which differs from the line count when items are grouped. */
const section = (title: string, count: number, lines: string[]): string[] => {
  if (count === 0) return [`${title}: none`];
  const shown = lines.slice(0, MAX_LINES_PER_SECTION).map((line) => `  ${line}`);
  const more = lines.length > shown.length ? [`  … ${lines.length - shown.length} more lines`] : [];
  return [`${title} (${count}):`, ...shown, ...more];
};

/** "raised from high to critical: 14 more alerts aggregated", or undefined on a first report. */
export const describeChange = (report: Report): string | undefined => {
  const previous = report.previous;
  if (!previous || !report.verdict) return undefined;
  const from = previous.severity;
  const to = report.verdict.severity;
  const rank = SEVERITY_RANK[to] - SEVERITY_RANK[from];
  const direction =
    from === to ? `unchanged at ${to}` : rank > 0 ? `raised from ${from} to ${to}` : rank < 0 ? `lowered from ${from} to ${to}` : `changed from ${from} to ${to}`;
  const added = report.alerts.length - previous.alertCount;
  const alerts = added > 0 ? `${plural(added, 'more alert')} aggregated` : 'no new alerts';
  return `${direction}: ${alerts}`;
};

const attributeLines = (report: Report) =>
  report.attributes.map((a) => {
    const where = a.depth > 0 ? `discovered by ${sanitizeText(a.origin)}, depth ${a.depth}` : `key ${sanitizeText(a.key)}`;
    return `${a.type}=${sanitizeText(a.value)} (${where})`;
  });

/** Notes on attributes that failed their checks, once each even when several alerts carried them. */
const unverifiedLines = (report: Report) => {
  const lines = new Set<string>();
  for (const alert of report.alerts) {
    for (const note of alert.unverified ?? []) {
      lines.add(`${sanitizeText(note.type || '?')} ${sanitizeText(note.key || '?')}=${sanitizeText(note.value)}: ${sanitizeText(note.reason)}`);
    }
  }
  return [...lines];
};

// Absent rather than "none": most reports have no notes, and the line would be noise.
const unverifiedSection = (report: Report) => {
  const lines = unverifiedLines(report);
  return lines.length ? section('Unverified attributes (not inspected)', lines.length, lines) : [];
};

const findingLines = (report: Report) => {
  // Map.groupBy needs Node 21; Lambda runs Node 20.
  const byInspector = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const group = byInspector.get(f.inspector);
    if (group) group.push(f);
    else byInspector.set(f.inspector, [f]);
  }
  return [...byInspector].flatMap(([inspector, findings]) => [
    `${sanitizeText(inspector)}:`,
    ...findings.map((f) => {
      const source = f.source ? ` [${sanitizeText(f.source)}]` : '';
      return `  ${f.verdict}: ${f.attribute.type}=${sanitizeText(f.attribute.value)} ${sanitizeText(f.title)}${source}`;
    }),
  ]);
};

const failureLines = (report: Report) => {
  const attributes = new Map(report.attributes.map((a) => [a.id, a]));
  return report.inspectionFailures.map((f) => {
    const a = attributes.get(f.attributeId);
    const target = a ? `${a.type}=${sanitizeText(a.value)}` : `attribute ${f.attributeId}`;
    return `${sanitizeText(f.inspector)} on ${target}: ${sanitizeText(f.error)}: ${sanitizeText(f.message)}`;
  });
};

/** A detail made of `; `-separated steps (quarantine's calls) reads as a list, one step a line. */
const emissionLines = (emissions: Emission[]) =>
  emissions.flatMap((e) => {
    const head = `v${e.version} ${sanitizeText(e.emitter)}: ${e.status}`;
    const steps = e.detail?.split('; ') ?? [];
    if (steps.length <= 1) return [`${head}${e.detail ? ` (${sanitizeText(e.detail)})` : ''}`];
    return [`${head}:`, ...steps.map((step) => `  - ${sanitizeText(step)}`)];
  });

/**
 * A multi-line, plain-text summary of a report.
 *
 * @example
 * console.log(formatReportSummary(report));
 * // Report 3f2a…-lq2x: version 2 (final)
 * // Rule: guardduty / Policy:IAMUser/RootCredentialUsage
 * // Alerts aggregated: 15
 * // Severity: critical: Policy:IAMUser/RootCredentialUsage involves the root account (15 alerts)
 * // Change since version 1: raised from high to critical: 14 more alerts aggregated
 * // Attributes (2): …
 */
export const formatReportSummary = (report: Report, emissions?: Emission[]): string => {
  const ruleName = report.rule_name ? ` (${sanitizeText(report.rule_name)})` : '';
  const change = describeChange(report);
  const lines = [
    `Report ${sanitizeText(report.id)}: version ${report.version} (${report.phase})`,
    `Rule: ${sanitizeText(report.detector)} / ${sanitizeText(report.rule_id)}${ruleName}`,
    `Alerts aggregated: ${report.alerts.length}`,
    report.verdict
      ? `Severity: ${report.verdict.severity}: ${sanitizeText(report.verdict.reason)}`
      : 'Severity: not reviewed yet',
    ...(change ? [`Change since version ${report.previous?.version}: ${change}`] : []),
    ...section('Attributes', report.attributes.length, attributeLines(report)),
    ...unverifiedSection(report),
    ...section('Findings', report.findings.length, findingLines(report)),
    ...section('Inspection failures', report.inspectionFailures.length, failureLines(report)),
    ...(emissions ? section('Emissions', emissions.length, emissionLines(emissions)) : []),
  ];
  return lines.join('\n');
};
