/**
 * Identifiers an analyst reads the same must be the same to the pipeline: `detector`,
 * `rule_id`, `alert_key` and attribute keys select the report (hashed into the alert id) and
 * the review policy's rules. Two rules, applied at the edge:
 * - characters that render as nothing (format characters such as zero-width spaces, the soft
 *   hyphen, bidi controls and tag characters; fillers that look like blanks) are refused, with
 *   the code point and where it is, since "ro\u200Bot-console-login" would otherwise slip past a
 *   policy rule for "root-console-login";
 * - what is left is NFKC-normalised, so a full-width "ｒｏｏｔ" or a ligature means what it shows.
 */

// Cf: format characters (ZWSP, ZWJ, soft hyphen, bidi controls, tag characters, BOM); C1
// controls (C0 ones are refused earlier, with their own message); Zl/Zp: line and paragraph
// separators; Cs: a lone surrogate. The rest are letters and marks that render blank: Hangul
// fillers, the braille blank, variation selectors, the combining grapheme joiner and the
// Mongolian free variation selectors.
const INVISIBLE = /[\u0080-\u009f\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u034f\u115f\u1160\u180b-\u180d\u2800\u3164\ufe00-\ufe0f\uffa0\u{e0100}-\u{e01ef}]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `text` cannot be an identifier, or undefined when it can: "contains U+200B (an invisible or formatting character) at index 2". */
export const invisibleCharacterIn = (text: string): string | undefined => {
  const match = INVISIBLE.exec(text);
  if (!match) return undefined;
  return `contains ${codePoint(match[0])} (an invisible or formatting character) at index ${match.index}`;
};

/** The form identifiers are compared, hashed and stored in. */
export const normalizeIdentifier = (text: string): string => text.normalize('NFKC');
