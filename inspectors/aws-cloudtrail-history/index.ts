/**
 * aws-cloudtrail-history: what else did this access key, IAM user or source IP do lately?
 * CloudTrail LookupEvents over a configurable window (management events, the last 90 days at
 * most, one region: the function's): counts by event name, distinct source IPs and user
 * agents, errors. Many AccessDenied / UnauthorizedOperation errors is a credential probing what
 * it may do, and is flagged suspicious.
 *
 * LookupEvents filters by access key and user name but not by source IP: an IP is matched
 * against the most recent events of the window, at most ALERTWARDEN_CLOUDTRAIL_MAX_EVENTS of
 * them, and the finding says how many were scanned.
 *
 * The source IPs a key or user acted from come back as attributes (at most 5), and the keys
 * seen acting from an IP likewise, so they are inspected in turn.
 *
 * IAM: cloudtrail:LookupEvents (no resource-level permission exists), sts:AssumeRole for other accounts.
 */
import type { CloudTrailClient, LookupAttribute } from '@aws-sdk/client-cloudtrail';
import type { AttributeInput } from '../../core/alert.ts';
import { ConfigError } from '../../core/errors.ts';
import { defineInspector, type FindingInput, type Inspector } from '../../core/plugins.ts';
import { addressScope, plainAddressOf } from '../common/address-scope.ts';
import { cleanText } from '../common/text.ts';
import { AwsSessions, sessionOptionsFromEnv, type AwsSessionsOptions, type ClientConfig } from '../aws-common/sessions.ts';
import { isDenied, sourceIpsOf, summariseTrail, type TrailRecord } from './summary.ts';

export const WINDOW_HOURS_ENV = 'ALERTWARDEN_CLOUDTRAIL_WINDOW_HOURS';
export const MAX_EVENTS_ENV = 'ALERTWARDEN_CLOUDTRAIL_MAX_EVENTS';
const PAGE = 50; // LookupEvents' maximum page size
/** Fewer denials than this is a typo or a missing permission, not a probe. */
export const PROBE_DENIALS = 5;
const DISCOVERED = 5;

export interface CloudTrailInspectorOptions extends AwsSessionsOptions {
  /** How far back to look (default 24 h; CloudTrail keeps 90 days). */
  windowHours?: number;
  /** Events read per lookup at most (default 250, five pages). */
  maxEvents?: number;
  now?: () => number;
  makeClient?: (config: ClientConfig) => CloudTrailClient | Promise<CloudTrailClient>;
}

const parse = (json: string | undefined): TrailRecord => {
  try {
    const record: unknown = json ? JSON.parse(json) : {};
    return record && typeof record === 'object' ? (record as TrailRecord) : {};
  } catch {
    return {};
  }
};

/**
 * @example
 * const history = createCloudTrailInspector({ windowHours: 72, maxEvents: 500 });
 */
export const createCloudTrailInspector = (options: CloudTrailInspectorOptions = {}): Inspector => {
  const windowHours = options.windowHours ?? 24;
  const maxEvents = options.maxEvents ?? 250;
  if (!(windowHours > 0 && windowHours <= 90 * 24)) throw new ConfigError(`${WINDOW_HOURS_ENV} must be between 1 and 2160 (CloudTrail keeps 90 days)`);
  if (!(Number.isInteger(maxEvents) && maxEvents >= 1 && maxEvents <= 5000)) throw new ConfigError(`${MAX_EVENTS_ENV} must be an integer between 1 and 5000`);
  const now = options.now ?? Date.now;
  // Imported on first use (see ../aws-common/sessions.ts).
  const sdk = () => import('@aws-sdk/client-cloudtrail');
  const sessions = new AwsSessions(options.makeClient ?? (async (config) => new (await sdk()).CloudTrailClient(config)), options);

  /** Events of the window in one account, newest first, matching `keep`, reading at most maxEvents. */
  const lookup = async (client: CloudTrailClient, filter: LookupAttribute | undefined, keep: (r: TrailRecord) => boolean, signal: AbortSignal) => {
    const { LookupEventsCommand } = await sdk();
    const end = now();
    const records: TrailRecord[] = [];
    let scanned = 0;
    let token: string | undefined;
    do {
      const page = await client.send(
        new LookupEventsCommand({
          ...(filter ? { LookupAttributes: [filter] } : {}),
          StartTime: new Date(end - windowHours * 3_600_000),
          EndTime: new Date(end),
          MaxResults: Math.min(PAGE, maxEvents - scanned),
          ...(token ? { NextToken: token } : {}),
        }),
        { abortSignal: signal },
      );
      for (const event of page.Events ?? []) {
        scanned++;
        const record = parse(event.CloudTrailEvent);
        // The summary reads the record; LookupEvents' own fields fill what a record lacks.
        const merged: TrailRecord = {
          ...record,
          eventName: record.eventName ?? event.EventName,
          eventSource: record.eventSource ?? event.EventSource,
          eventTime: record.eventTime ?? event.EventTime?.toISOString(),
        };
        if (keep(merged)) records.push(merged);
      }
      token = page.NextToken;
    } while (token && scanned < maxEvents);
    return { records, scanned, truncated: Boolean(token) };
  };

  return defineInspector({
    name: 'aws-cloudtrail-history',
    accepts: ['aws_access_key_id', 'username', 'ipaddr'],
    // Up to maxEvents/50 sequential pages at CloudTrail's 2 calls/s per account and region.
    timeoutMs: 30_000,
    async inspect(attribute, ctx) {
      const byIp = attribute.type === 'ipaddr';
      // CloudTrail writes the plain form; an alert may carry ::ffff:198.51.100.7 or a zone id.
      const address = byIp ? plainAddressOf(attribute.value) : undefined;
      // Loopback, link-local, documentation, multicast: never a caller's address; spare the scan (2 calls/s per account).
      if (byIp && (!address || addressScope(address) === 'special')) return { findings: [] };
      const filter: LookupAttribute | undefined =
        attribute.type === 'aws_access_key_id'
          ? { AttributeKey: 'AccessKeyId', AttributeValue: attribute.value }
          : attribute.type === 'username'
            ? { AttributeKey: 'Username', AttributeValue: attribute.value }
            : undefined;
      const keep = byIp ? (r: TrailRecord) => r.sourceIPAddress !== undefined && plainAddressOf(r.sourceIPAddress) === address : () => true;
      for (const account of sessions.targets()) {
        const { records, scanned, truncated } = await lookup(await sessions.client(account), filter, keep, ctx.signal);
        if (records.length === 0) continue;
        const summary = summariseTrail(records);
        // Event names are AWS's, but a title is what an analyst reads: bounded and plain whatever a record holds.
        const topNames = Object.entries(summary.byEventName).slice(0, 3).map(([name, n]) => `${cleanText(name, 80)} ×${n}`).join(', ');
        const findings: FindingInput[] = [
          {
            verdict: 'info',
            title: `${summary.events} CloudTrail events in the last ${windowHours} h${topNames ? `: ${topNames}` : ''}${summary.denied ? `; ${summary.denied} denied` : ''}`,
            source: 'cloudtrail:LookupEvents',
            detail: { ...summary, ...(account ? { account } : {}), windowHours, scanned, truncated },
          },
        ];
        if (summary.denied >= PROBE_DENIALS) {
          const deniedNames = [...new Set(records.filter((r) => isDenied(r.errorCode)).map((r) => r.eventName))].slice(0, 10);
          findings.push({
            verdict: 'suspicious',
            title: `${summary.denied} calls denied in ${windowHours} h: probing for permissions?`,
            source: 'cloudtrail:LookupEvents',
            detail: { denied: summary.denied, eventNames: deniedNames },
          });
        }
        const discovered: AttributeInput[] = byIp
          ? summary.accessKeys.slice(0, DISCOVERED).map((key) => ({ type: 'aws_access_key_id', key: `access key used from ${attribute.value}`, value: key, context: ['subject'] }))
          : sourceIpsOf(summary)
              .filter((ip) => ip !== attribute.value)
              .slice(0, DISCOVERED)
              .map((ip) => ({ type: 'ipaddr', key: `source of ${attribute.value}`, value: ip, context: ['remote'] }));
        return { findings, ...(discovered.length ? { newAttributes: discovered } : {}) };
      }
      return { findings: [] };
    },
  });
};

const numberFrom = (env: Record<string, string | undefined>, name: string): number | undefined => {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(`${name}: ${JSON.stringify(raw)} is not a number`);
  return value;
};

/** ALERTWARDEN_CLOUDTRAIL_WINDOW_HOURS, ALERTWARDEN_CLOUDTRAIL_MAX_EVENTS, ALERTWARDEN_AWS_ACCOUNTS, ALERTWARDEN_AWS_ROLE_NAME. */
export const cloudTrailInspectorFromEnv = (env: Record<string, string | undefined>): Inspector => {
  const windowHours = numberFrom(env, WINDOW_HOURS_ENV);
  const maxEvents = numberFrom(env, MAX_EVENTS_ENV);
  return createCloudTrailInspector({
    ...sessionOptionsFromEnv(env),
    ...(windowHours !== undefined ? { windowHours } : {}),
    ...(maxEvents !== undefined ? { maxEvents } : {}),
  });
};
