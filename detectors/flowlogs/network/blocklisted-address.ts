import { defineRule, type RuleContext } from '../../rule.ts';
import { ipv4BitsOf, type FlowLogRecord } from '../format.ts';

/** Runs for both ends of every line: IPv4 is read in place, anything else (IPv6) as text. */
const listed = (r: FlowLogRecord, end: 'srcaddr' | 'dstaddr', ctx: RuleContext): boolean => {
  const bits = ipv4BitsOf(r, end);
  if (bits !== undefined) return ctx.network.isListedV4(bits);
  const address = r[end];
  return address !== undefined && ctx.network.isListed(address);
};

/** The listed end of the flow, if any: the remote side normally, but either end counts. */
const listedAddress = (r: FlowLogRecord, ctx: RuleContext): string | undefined => {
  if (listed(r, 'dstaddr', ctx)) return r.dstaddr;
  if (listed(r, 'srcaddr', ctx)) return r.srcaddr;
  return undefined;
};

export default defineRule<FlowLogRecord>({
  id: 'flowlog-blocklisted-address',
  title: 'Traffic with an address on a blocklist',
  severity: 'high',
  source: 'flowlogs',
  description:
    'A flow to or from an address on one of the blocklists the inspectors use (ALERTWARDEN_BLOCKLISTS). Accepted flows mean the conversation happened; rejected ones show who is knocking.',
  // Without a list loaded nothing can be listed: the two addresses of the line go unread.
  match: (r, ctx) => ctx.network.hasBlocklists && listedAddress(r, ctx) !== undefined,
  alertKey: (r, ctx) => `${r.interfaceId ?? 'eni'}:${listedAddress(r, ctx)}`,
  summary: (r, ctx) => {
    const address = listedAddress(r, ctx)!;
    const lists = ctx.network.listings(address).map((h) => `${h.list} (${h.entry})`).join(', ');
    return `${r.srcaddr}:${r.srcport} -> ${r.dstaddr}:${r.dstport} ${r.action} on ${r.interfaceId}; ${address} is listed in ${lists}`;
  },
});
