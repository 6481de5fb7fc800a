/**
 * Parses one blocklist in the plain formats feeds publish:
 *   - one IPv4/IPv6 address, CIDR or domain per line (`*.evil.example` = evil.example);
 *   - `#` and `;` comments, whole-line or trailing (Spamhaus DROP: `1.10.16.0/20 ; SBL256894`);
 *   - DShield rows `start<TAB>end<TAB>netblock ...` and `first-last` ranges;
 *   - hosts-file rows `0.0.0.0 evil.example`;
 *   - extra columns after an address or CIDR (counts, ports) are ignored.
 * A line that is none of these is skipped and counted, never fatal: one typo in a feed of a
 * million lines must not switch the whole list off. Addresses and ranges go into one
 * IpRangeTable (~12 bytes per entry), domains into a Map.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { parseCidr, parseIp, parseIpv4, rangeOf, type IpRange } from '../../core/ip-address.ts';
import { IpRangeTableBuilder, type IpRangeTable } from '../../core/ip-range-table.ts';

export interface SkippedLine {
  line: number;
  problem: string;
}

export interface Blocklist {
  name: string;
  location: string;
  /** Addresses, CIDRs and ranges; each hit's value is the line it was listed on. */
  addresses: IpRangeTable;
  /** Lower case, without trailing dot -> line. */
  domains: Map<string, number>;
  /** Lines that held an entry. */
  entries: number;
  /** How many lines were skipped as malformed, and the first few, for the one warning a load logs. */
  skipped: { count: number; first: SkippedLine[] };
}

const MAX_SKIPPED_EXAMPLES = 5;
/** Lines parsed between two yields to the event loop: ~10 ms of work, so timers (inspector budgets) still fire during a big load. */
const LINES_PER_SLICE = 20_000;

// The attribute schema's DNS-name check, on an already lower-cased name without trailing dot.
const DOMAIN = /^(?=.{1,253}$)(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*$/;
const ALL_DIGITS_AND_DOTS = /^[\d.]+$/;
const WHITESPACE = /\s+/;
const HOSTS_FILE_SINKS = new Set(['0.0.0.0', '127.0.0.1', '::', '::1']);

export const normaliseDomain = (domain: string): string => domain.toLowerCase().replace(/\.$/, '');

const quoted = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

type Entry = { range: IpRange } | { domain: string } | { problem: string } | undefined;

const domainEntry = (token: string): Entry => {
  const domain = normaliseDomain(token.startsWith('*.') ? token.slice(2) : token);
  // 203.0.113.256 is a typo for an address, not a domain that would never match.
  if (ALL_DIGITS_AND_DOTS.test(domain) || !DOMAIN.test(domain)) return { problem: `${quoted(token)} is not an IP address, CIDR or domain` };
  return { domain };
};

const rangeEntry = (firstText: string, lastText: string, token: string): Entry => {
  const first = parseIp(firstText);
  const last = parseIp(lastText);
  const range = first && last ? rangeOf(first, last) : undefined;
  return range ? { range } : { problem: `${quoted(token)} is not a valid address range` };
};

/** What one line lists, if anything. Exported for the flow-log rule and tests. */
export const parseLine = (raw: string): Entry => {
  let text = raw;
  const hash = text.indexOf('#');
  if (hash >= 0) text = text.slice(0, hash);
  const semicolon = text.indexOf(';');
  if (semicolon >= 0) text = text.slice(0, semicolon);
  text = text.trim();
  if (text === '') return undefined;
  // Most lines are one token: skip the split (and its array) for them.
  const [first = '', second] = text.includes(' ') || text.includes('\t') ? text.split(WHITESPACE) : [text];
  if (second === undefined && text.includes('/') && !text.includes('-')) {
    const range = parseCidr(text);
    return range ? { range } : { problem: `${quoted(text)} is not a valid CIDR` };
  }
  // DShield's block.txt column header.
  if (first.toLowerCase() === 'start' && second?.toLowerCase() === 'end') return undefined;
  if (second !== undefined) {
    if (HOSTS_FILE_SINKS.has(first)) return domainEntry(second);
    if (parseIp(first) && parseIp(second)) return rangeEntry(first, second, `${first} ${second}`);
  }
  const address = parseIp(first);
  if (address) return { range: address.family === 4 ? { family: 4, first: address.value, last: address.value } : { family: 6, first: address.value, last: address.value } };
  if (first.includes('/')) {
    const range = parseCidr(first);
    return range ? { range } : { problem: `${quoted(first)} is not a valid CIDR` };
  }
  const dash = first.indexOf('-');
  if (dash > 0 && parseIp(first.slice(0, dash))) return rangeEntry(first.slice(0, dash), first.slice(dash + 1), first);
  // Feeds add columns after an address (counts, ports), but a domain stands alone on its line:
  // "evil example" is a typo, not the domain "evil".
  if (second !== undefined) return { problem: `${quoted(text)} is not an IP address, CIDR or domain` };
  return domainEntry(first);
};

const CODE_0 = 48;
const CODE_SLASH = 47;
const CODE_CR = 13;

/**
 * text[start, end) as exactly `a.b.c.d` or `a.b.c.d/n` (a trailing \r allowed), read in place
 * as an inclusive range, or undefined for anything else: nearly every line of a big feed has
 * this shape, and reading it without slicing the line out and building entry objects halves a
 * million-line load. A line refused here goes through parseLine, so it is only slower, never
 * read differently (parse.test.ts checks that both agree).
 *
 * Returns the range's first address and writes its last into `out[0]`, so no object is made.
 */
export const scanIpv4Line = (text: string, start: number, end: number, out: Float64Array): number | undefined => {
  if (end > start && text.charCodeAt(end - 1) === CODE_CR) end--;
  // An IPv4 address is at most 15 characters: look no further for the slash.
  let slash = -1;
  for (let i = start; i < end && i <= start + 15; i++) {
    if (text.charCodeAt(i) === CODE_SLASH) {
      slash = i;
      break;
    }
  }
  const address = parseIpv4(text, start, slash < 0 ? end : slash);
  if (address === undefined) return undefined;
  if (slash < 0) {
    out[0] = address;
    return address;
  }
  const digits = end - slash - 1;
  if (digits < 1 || digits > 3) return undefined;
  let bits = 0;
  for (let i = slash + 1; i < end; i++) {
    const d = text.charCodeAt(i) - CODE_0;
    if (d < 0 || d > 9) return undefined;
    bits = bits * 10 + d;
  }
  if (bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  if (address % size !== 0) return undefined;
  out[0] = address + size - 1;
  return address;
};

class BlocklistParser {
  private readonly addresses = new IpRangeTableBuilder();
  private readonly domains = new Map<string, number>();
  private entries = 0;
  private readonly skipped = { count: 0, first: [] as SkippedLine[] };
  private offset = 0;
  private line = 0;
  private readonly text: string;
  private readonly last = new Float64Array(1);

  constructor(
    text: string,
    private readonly name: string,
    private readonly location: string,
  ) {
    this.text = text.replace(/^\uFEFF/, '');
  }

  /** Parses up to `count` more lines; false once the text is done. Lines are cut with indexOf, not split(), to avoid a million-string array. */
  parseLines(count: number): boolean {
    const { text } = this;
    for (let n = 0; n < count; n++) {
      if (this.offset > text.length) return false;
      let end = text.indexOf('\n', this.offset);
      if (end < 0) end = text.length;
      const start = this.offset;
      this.offset = end + 1;
      this.line++;
      const first = scanIpv4Line(text, start, end, this.last);
      if (first !== undefined) {
        this.addresses.addIpv4(first, this.last[0]!, this.line);
        this.entries++;
        continue;
      }
      const entry = parseLine(text.slice(start, end));
      if (!entry) continue;
      if ('problem' in entry) {
        this.skipped.count++;
        if (this.skipped.first.length < MAX_SKIPPED_EXAMPLES) this.skipped.first.push({ line: this.line, problem: entry.problem });
      } else if ('range' in entry) {
        this.addresses.add(entry.range, this.line);
        this.entries++;
      } else {
        if (!this.domains.has(entry.domain)) this.domains.set(entry.domain, this.line);
        this.entries++;
      }
    }
    return this.offset <= text.length;
  }

  finish(): Blocklist {
    return {
      name: this.name,
      location: this.location,
      addresses: this.addresses.build(),
      domains: this.domains,
      entries: this.entries,
      skipped: this.skipped,
    };
  }
}

/**
 * Synchronous: for small lists and tests. Loading a feed goes through `parseBlocklistYielding`.
 *
 * @example
 * const list = parseBlocklist('203.0.113.0/24\nevil.example # phishing\n', 'known-bad', 'lists/known-bad.txt');
 */
export const parseBlocklist = (text: string, name: string, location: string): Blocklist => {
  const parser = new BlocklistParser(text, name, location);
  while (parser.parseLines(Number.MAX_SAFE_INTEGER));
  return parser.finish();
};

/** The same parse in slices, yielding to the event loop between them. */
export const parseBlocklistYielding = async (text: string, name: string, location: string): Promise<Blocklist> => {
  const parser = new BlocklistParser(text, name, location);
  while (parser.parseLines(LINES_PER_SLICE)) await yieldToEventLoop();
  return parser.finish();
};
