/**
 * One JSON value per line. JSON.stringify leaves U+2028, U+2029 and U+0085 raw inside strings,
 * and many line readers (Python's splitlines, some log shippers and editors) break lines there:
 * an attacker-chosen user name could split one report into two half-lines. Escaped, the line is
 * the same JSON and one line for every reader.
 */
const UNICODE_LINE_BREAKS = /[\u0085\u2028\u2029]/g;

/** `value` as one JSONL line, newline included. */
export const toJsonLine = (value: unknown): string =>
  `${JSON.stringify(value).replace(UNICODE_LINE_BREAKS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
