/**
 * Splitting what a user hands the CLI into documents, each with where it came from, so a
 * rejection can name the file and line (or array index) and quote the user's own text.
 */
import { excerptOf } from '../core/pipeline/intake.ts';
import { alertsFromDocument, type SourceOptions, type SourcedAlert } from './index.ts';

export interface InputDocument {
  /** `alerts.jsonl:3`, `findings.json[2]`, or the file name for a single document. */
  origin: string;
  /** The document's own text (one line: a pretty-printed document is re-serialised compactly). */
  text: string;
}

/**
 * One JSON document (an array gives one document per element), else JSON Lines: one document
 * per non-empty line, a line that is not JSON included so that it is refused with a reason.
 *
 * @example
 * splitDocuments('{"a":1}\n{"b":2}', 'x.jsonl') // [{ origin: 'x.jsonl:1', … }, { origin: 'x.jsonl:2', … }]
 */
export const splitDocuments = (text: string, name: string): InputDocument[] => {
  const trimmed = text.trim();
  if (!trimmed) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return text
      .split(/\r?\n/)
      .map((line, i) => ({ origin: `${name}:${i + 1}`, text: line }))
      .filter((d) => d.text.trim());
  }
  return Array.isArray(parsed) ? parsed.map((item, i) => ({ origin: `${name}[${i}]`, text: JSON.stringify(item) })) : [{ origin: name, text: JSON.stringify(parsed) }];
};

export interface TextOutcome {
  alerts: (SourcedAlert & { origin: string })[];
  /** `origin` is where the document is in the input, `path` where the item is in the document. */
  rejections: { origin: string; path: string; reason: string; excerpt: string }[];
  skipped: { origin: string; path: string; reason: string }[];
}

/**
 * Every alert the documents of one input map to (what `alertwarden detect --source guardduty`
 * prints), and every refusal with its origin.
 *
 * @example
 * const { alerts, rejections } = alertsFromText(await readFile('findings.jsonl', 'utf8'), 'findings.jsonl', { source: 'guardduty' });
 */
export const alertsFromText = (text: string, name: string, options: SourceOptions = {}): TextOutcome => {
  const outcome: TextOutcome = { alerts: [], rejections: [], skipped: [] };
  for (const { origin, text: documentText } of splitDocuments(text, name)) {
    let document: unknown;
    try {
      document = JSON.parse(documentText);
    } catch (error) {
      outcome.rejections.push({ origin, path: '', reason: `not valid JSON (${excerptOf((error as Error).message, 200)})`, excerpt: excerptOf(documentText) });
      continue;
    }
    const mapped = alertsFromDocument(document, options);
    outcome.alerts.push(...mapped.alerts.map((a) => ({ ...a, origin })));
    outcome.rejections.push(...mapped.rejections.map((r) => ({ origin, path: r.path, reason: r.reason, excerpt: r.path ? r.excerpt : excerptOf(documentText) })));
    outcome.skipped.push(...mapped.skipped.map((s) => ({ origin, ...s })));
  }
  return outcome;
};
