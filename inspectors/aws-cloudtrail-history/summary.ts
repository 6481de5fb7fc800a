/**
 * What a list of CloudTrail events says about one actor: counts by event name, the source IPs
 * and user agents it came from, the errors it got. Pure, so the inspector's I/O stays thin.
 */
import { isIP } from 'node:net';

/** The fields of a CloudTrail record (the `CloudTrailEvent` JSON of LookupEvents) read here. */
export interface TrailRecord {
  eventTime?: string;
  eventSource?: string;
  eventName?: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  errorCode?: string;
  readOnly?: boolean;
  userIdentity?: { type?: string; arn?: string; userName?: string; accessKeyId?: string; accountId?: string };
}

/** A credential probing what it may do gets these (Activity Aware IDS's filter). */
export const isDenied = (errorCode: string | undefined) => Boolean(errorCode && (/^AccessDenied/.test(errorCode) || /UnauthorizedOperation$/.test(errorCode)));

export interface TrailSummary {
  events: number;
  firstAt?: string;
  lastAt?: string;
  byEventName: Record<string, number>;
  sourceIps: Record<string, number>;
  userAgents: Record<string, number>;
  errors: Record<string, number>;
  denied: number;
  writes: number;
  principals: string[];
  accessKeys: string[];
}

const TOP = 25;

const count = (map: Map<string, number>, key: string | undefined) => {
  if (key) map.set(key, (map.get(key) ?? 0) + 1);
};

/** The `limit` largest counts, largest first, ties by name so the output is stable. */
const top = (map: Map<string, number>, limit = TOP): Record<string, number> =>
  Object.fromEntries([...map].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit));

export const summariseTrail = (records: readonly TrailRecord[]): TrailSummary => {
  const names = new Map<string, number>();
  const ips = new Map<string, number>();
  const agents = new Map<string, number>();
  const errors = new Map<string, number>();
  const principals = new Set<string>();
  const keys = new Set<string>();
  let denied = 0;
  let writes = 0;
  let firstAt: string | undefined;
  let lastAt: string | undefined;
  for (const r of records) {
    count(names, r.eventName && r.eventSource ? `${r.eventSource.replace(/\.amazonaws\.com$/, '')}:${r.eventName}` : r.eventName);
    count(ips, r.sourceIPAddress);
    count(agents, r.userAgent?.slice(0, 200));
    count(errors, r.errorCode);
    if (isDenied(r.errorCode)) denied++;
    if (r.readOnly === false) writes++;
    if (r.userIdentity?.arn) principals.add(r.userIdentity.arn);
    if (r.userIdentity?.accessKeyId) keys.add(r.userIdentity.accessKeyId);
    if (r.eventTime) {
      if (!firstAt || r.eventTime < firstAt) firstAt = r.eventTime;
      if (!lastAt || r.eventTime > lastAt) lastAt = r.eventTime;
    }
  }
  return {
    events: records.length,
    ...(firstAt ? { firstAt } : {}),
    ...(lastAt ? { lastAt } : {}),
    byEventName: top(names),
    sourceIps: top(ips),
    userAgents: top(agents, 10),
    errors: top(errors),
    denied,
    writes,
    principals: [...principals].slice(0, 10),
    accessKeys: [...keys].slice(0, 10),
  };
};

/** Source addresses that are IPs (CloudTrail also writes service names like `ec2.amazonaws.com`). */
export const sourceIpsOf = (summary: TrailSummary): string[] => Object.keys(summary.sourceIps).filter((ip) => isIP(ip) !== 0);
