/**
 * correlation: has this IP, key, instance, user… been in our earlier reports? Reads the
 * sightings the store records whenever a report gains an attribute (see the SEEN# items in
 * adapters/dynamodb-store.ts): one Query per attribute value, newest first, within
 * ALERTWARDEN_CORRELATION_DAYS, never a Scan. The finding lists those reports with their rule,
 * detector, severity and when the value was first and last seen in them. A value seen in an
 * earlier report reviewed high or critical is `suspicious`.
 *
 * Sightings are recorded only while `correlation` is enabled (ALERTWARDEN_INSPECTORS), and
 * expire with the other records (ALERTWARDEN_RECORD_TTL_DAYS).
 */
import { ConfigError } from '../../core/errors.ts';
import { defineInspector, type Inspector } from '../../core/plugins.ts';
import { isAtLeast } from '../../core/report.ts';
import type { PastReport, SightingReader } from '../../core/store.ts';
import { cleanText } from '../common/text.ts';

export const CORRELATION_DAYS_ENV = 'ALERTWARDEN_CORRELATION_DAYS';
const DAY_MS = 86_400_000;
/** Enough to see a pattern; a value in more reports than this is summarised by the count. */
const MAX_REPORTS = 20;

export interface CorrelationInspectorOptions {
  sightings: SightingReader;
  /** How far back to look (default 30 days). */
  days?: number;
  now?: () => number;
}

/**
 * @example
 * const correlation = createCorrelationInspector({ sightings: store, days: 14 });
 */
export const createCorrelationInspector = (options: CorrelationInspectorOptions): Inspector => {
  const days = options.days ?? 30;
  if (!(Number.isInteger(days) && days >= 1 && days <= 3650)) throw new ConfigError(`${CORRELATION_DAYS_ENV} must be a whole number of days between 1 and 3650`);
  const now = options.now ?? Date.now;
  return defineInspector({
    name: 'correlation',
    accepts: ['ipaddr', 'domain', 'url', 'username', 'filehash', 'aws_instance_id', 'aws_access_key_id', 'aws_account_id', 'aws_arn'],
    async inspect(attribute, ctx) {
      const found = await options.sightings.findSightings(attribute.type, attribute.value, {
        sinceMs: now() - days * DAY_MS,
        // One more than shown, and the current report, which always has a sighting of its own.
        limit: MAX_REPORTS + 1,
        excludeReportId: ctx.reportId,
      });
      const reports: PastReport[] = found.slice(0, MAX_REPORTS);
      if (reports.length === 0) return { findings: [] };
      // Rule ids come from alerts (up to 1 KB each): five of them must not push the title past its limit.
      const rules = [...new Set(reports.map((r) => cleanText(r.rule_id, 80)))];
      const severe = reports.filter((r) => r.severity && isAtLeast(r.severity, 'high'));
      const worst = reports.map((r) => r.severity).filter((s) => s !== undefined).sort((a, b) => (isAtLeast(a, b) ? -1 : 1))[0];
      const more = found.length > MAX_REPORTS ? ' or more' : '';
      return {
        findings: [
          {
            verdict: severe.length ? 'suspicious' : 'info',
            title: `seen in ${reports.length}${more} earlier report${reports.length === 1 && !more ? '' : 's'} in ${days} days (rules ${rules.slice(0, 5).join(', ')}${worst ? `; worst ${worst}` : ''})`,
            source: 'correlation',
            detail: {
              days,
              reports,
              firstSeen: reports.reduce((a, r) => (r.firstSeen < a ? r.firstSeen : a), reports[0]!.firstSeen),
              lastSeen: reports.reduce((a, r) => (r.lastSeen > a ? r.lastSeen : a), reports[0]!.lastSeen),
              truncated: found.length > MAX_REPORTS,
            },
          },
        ],
      };
    },
  });
};

export const correlationInspectorFromEnv = (env: Record<string, string | undefined>, sightings: SightingReader | undefined): Inspector => {
  if (!sightings) throw new ConfigError('the correlation inspector needs the report store (pass it as `sightings` to builtinInspectors)');
  const raw = env[CORRELATION_DAYS_ENV]?.trim();
  const days = raw ? Number(raw) : undefined;
  return createCorrelationInspector({ sightings, ...(days !== undefined ? { days } : {}) });
};
