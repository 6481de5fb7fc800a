/**
 * EventBridge delivers every AWS service's events in one envelope (`version`, `id`,
 * `detail-type`, `source`, `detail`); a rule targeting the alert topic forwards it as is.
 * The detail-type says what `detail` is; anything else in `detail` (a tool putting its alert
 * as the detail of a custom event) is recognised like a document of its own.
 */
import { isObject, type Json } from '../fields.ts';

export interface EventBridgeEvent {
  'detail-type': string;
  source: string;
  detail: Json;
  id?: unknown;
  account?: unknown;
  region?: unknown;
}

export const isEventBridgeEvent = (document: Json): document is Json & EventBridgeEvent =>
  typeof document['detail-type'] === 'string' && typeof document.source === 'string' && isObject(document.detail);

export const GUARDDUTY_FINDING = 'GuardDuty Finding';
/**
 * Findings in `detail.findings`: ASFF from Security Hub CSPM (automatic imports, and findings an
 * analyst sent with a custom action), OCSF from the newer Security Hub (`Findings Imported V2`).
 */
export const SECURITY_HUB_FINDINGS = ['Security Hub Findings - Imported', 'Security Hub Findings - Custom Action', 'Findings Imported V2'];
