import { createHash } from 'node:crypto';
import type { Alert, Attribute } from './alert.ts';
import { formatIp, parseIp } from './ip-address.ts';

const sha256 = (parts: readonly string[]) =>
  // The NUL separator keeps ("ab","c") and ("a","bc") apart.
  createHash('sha256').update(parts.join('\u0000')).digest('hex');

/** Alerts with the same detector, rule and key aggregate into one report (deepalert's alert id). */
export const alertIdOf = (alert: Pick<Alert, 'detector' | 'rule_id' | 'alert_key'>): string =>
  sha256([alert.detector, alert.rule_id, alert.alert_key ?? '']);

/** Two attributes are the same entity when type, key and value agree, whatever their context. */
export const attributeIdOf = (attribute: Pick<Attribute, 'type' | 'key' | 'value'>): string =>
  sha256([attribute.type, attribute.key, attribute.value]).slice(0, 32);

/** Stable JSON: keys sorted, so the same alert published twice hashes the same. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

/**
 * Identity of one alert occurrence: a redelivered SQS message and the same alert published
 * twice both map here, so either counts once.
 */
export const alertFingerprintOf = (alert: Alert): string => sha256([canonicalJson(alert)]).slice(0, 40);

/**
 * Report id: the alert id plus the window start. It is also the Step Functions execution
 * name prefix (<= 80 chars, [0-9A-Za-z_-]), so it must stay short and plain.
 */
export const reportIdOf = (alertId: string, windowStartMs: number): string =>
  `${alertId.slice(0, 32)}-${windowStartMs.toString(36)}`;

/** Execution names must be unique per state machine; one name per pipeline round keeps starts idempotent. */
export const executionNameOf = (reportId: string, round: number): string => `${reportId}-r${round}`;

/**
 * Idempotency key of one delivery: the same (report version, emitter) always gets the same key,
 * so a retried emit can be recognised by the target (PagerDuty dedup_key, an Idempotency-Key
 * header, a marker in a ticket). Plain [0-9A-Za-z-] and <= 120 chars, accepted by those targets.
 */
export const emissionKeyOf = (reportId: string, version: number, emitter: string): string =>
  `${reportId}-v${version}-${emitter}`;

/**
 * The key of an attribute VALUE across reports (correlation): type and value, not the key,
 * since one detector's "remote address" is another's "src_ip". Spellings that name the same
 * thing meet: an address in its plain form (IPv4-mapped, NAT64, zone id, IPv6 case), a DNS
 * name or instance id in lower case, a domain without its root dot.
 */
export const sightingKeyOf = (type: Attribute['type'], value: string): string => {
  const address = type === 'ipaddr' ? parseIp(value) : undefined;
  const folded = address ? formatIp(address) : type === 'ipaddr' || type === 'domain' || type === 'aws_instance_id' ? value.toLowerCase() : value;
  return sha256([type, type === 'domain' ? folded.replace(/\.$/, '') : folded]).slice(0, 32);
};
