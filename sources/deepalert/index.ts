/**
 * Alerts as deepalert's Go client (`deepalert.Alert`) marshals them: a nil slice is `null`,
 * an unset string is `""`, an unset time is `0001-01-01T00:00:00Z`, and attribute types
 * `filehashvalue` and `json` differ from ours. Mapped to the native contract:
 *   `null` attributes/contexts -> empty, `""` fields and zero times -> absent, an empty
 *   attribute key -> the attribute type, `filehashvalue` -> `filehash`, `json` attributes ->
 *   kept in the body under `deepalert_json` (JSON is not something an inspector can look up),
 *   the per-attribute `timestamp` kept.
 * A native alert that has none of these traits passes through untouched.
 */
import { isObject, listAt, pathOf } from '../fields.ts';
import { defineSource, type AlertCandidate } from '../source.ts';

const GO_ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?(Z|[+-]00:00)$/;
const OPTIONAL_TEXT = ['rule_name', 'alert_key', 'description'] as const;

const hasGoTraits = (document: Record<string, unknown>): boolean => {
  if (document.attributes === null) return true;
  if (OPTIONAL_TEXT.some((field) => document[field] === '')) return true;
  if (typeof document.timestamp === 'string' && GO_ZERO_TIME.test(document.timestamp)) return true;
  return listAt(document.attributes).some(
    (a) => isObject(a) && (a.context === null || a.key === '' || a.type === 'filehashvalue' || a.type === 'json' || 'timestamp' in a),
  );
};

const jsonValue = (text: unknown): unknown => {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const mapAttribute = (attribute: Record<string, unknown>): Record<string, unknown> => {
  const { context, timestamp, ...rest } = attribute;
  const type = rest.type === 'filehashvalue' ? 'filehash' : rest.type;
  return {
    ...rest,
    type,
    key: rest.key === '' ? type : rest.key,
    ...(context !== null && context !== undefined ? { context } : {}),
    ...(timestamp !== null && timestamp !== undefined && !(typeof timestamp === 'string' && GO_ZERO_TIME.test(timestamp)) ? { timestamp } : {}),
  };
};

const mapAlert = (document: Record<string, unknown>): AlertCandidate => {
  const alert: Record<string, unknown> = { ...document };
  for (const field of OPTIONAL_TEXT) if (alert[field] === '') delete alert[field];
  if (typeof alert.timestamp === 'string' && GO_ZERO_TIME.test(alert.timestamp)) delete alert.timestamp;
  if (alert.body === null) delete alert.body;
  const attributes = listAt(document.attributes);
  const json = attributes.filter((a) => isObject(a) && a.type === 'json') as Record<string, unknown>[];
  alert.attributes = attributes.filter((a) => !(isObject(a) && a.type === 'json')).map((a) => (isObject(a) ? mapAttribute(a) : a));
  if (json.length) {
    const kept = Object.fromEntries(json.map((a, i) => [typeof a.key === 'string' && a.key ? a.key : `json_${i}`, jsonValue(a.value)]));
    alert.body = isObject(alert.body) ? { ...alert.body, deepalert_json: kept } : { ...(alert.body !== undefined ? { original: alert.body } : {}), deepalert_json: kept };
  }
  return alert as AlertCandidate;
};

export const deepAlertSource = defineSource({
  name: 'deepalert',
  describes: "an alert from deepalert's Go client",
  recognises: (document) => ('detector' in document || 'rule_id' in document) && hasGoTraits(document),
  map: (document, path) => [{ path: pathOf(path), alert: mapAlert(document) }],
});
