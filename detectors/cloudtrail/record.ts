/**
 * A CloudTrail record as AWS documents it (CloudTrail record contents, userIdentity element).
 * Only the fields rules read are typed; everything else stays `unknown`, and every field is
 * optional because records from different services, identity types and event versions omit
 * different ones.
 */
import type { AttributeInput } from '../../core/alert.ts';

export const IDENTITY_TYPES = ['Root', 'IAMUser', 'AssumedRole', 'Role', 'FederatedUser', 'Directory', 'AWSAccount', 'AWSService', 'IdentityCenterUser', 'SAMLUser', 'WebIdentityUser', 'Unknown'] as const;

export interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: {
    sessionIssuer?: { type?: string; principalId?: string; arn?: string; accountId?: string; userName?: string };
    attributes?: { mfaAuthenticated?: string; creationDate?: string };
  };
}

export interface CloudTrailRecord {
  eventVersion?: string;
  userIdentity?: UserIdentity;
  eventTime?: string;
  eventSource?: string;
  eventName: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  eventID?: string;
  eventType?: string;
  recipientAccountId?: string;
  readOnly?: boolean;
  managementEvent?: boolean;
  [field: string]: unknown;
}

/** Enough of a CloudTrail record for the rules: an object with a string eventName and an eventSource or eventVersion. */
export const isCloudTrailRecord = (value: unknown): value is CloudTrailRecord =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as CloudTrailRecord).eventName === 'string' &&
  (typeof (value as CloudTrailRecord).eventSource === 'string' || typeof (value as CloudTrailRecord).eventVersion === 'string');

/** A nested field of unknown JSON, or undefined: records differ too much for chains of casts. */
export const field = (value: unknown, ...path: (string | number)[]): unknown => {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
};

export const str = (value: unknown, ...path: (string | number)[]): string | undefined => {
  const v = field(value, ...path);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
};

/** CloudTrail's `{ items: [...] }` lists (EC2 API shapes), or a plain array, as an array. */
export const items = (value: unknown): unknown[] => {
  if (Array.isArray(value)) return value;
  const inner = field(value, 'items');
  return Array.isArray(inner) ? inner : [];
};

export const accountOf = (r: CloudTrailRecord): string => r.recipientAccountId ?? r.userIdentity?.accountId ?? 'unknown-account';

/**
 * Who acted, as one stable string: the role (not the session) for assumed roles, so one
 * principal's burst across sessions is one report.
 */
export const principalOf = (r: CloudTrailRecord): string => {
  const id = r.userIdentity;
  if (!id) return 'unknown-principal';
  if (id.type === 'Root') return `root:${id.accountId ?? accountOf(r)}`;
  if (id.type === 'AWSService') return `service:${id.invokedBy ?? 'unknown'}`;
  return id.sessionContext?.sessionIssuer?.arn ?? id.arn ?? id.principalId ?? `${id.type ?? 'unknown'}:${id.userName ?? 'unknown'}`;
};

/** A friendly name for messages: user name, role name, `root`. */
export const principalName = (r: CloudTrailRecord): string => {
  const id = r.userIdentity;
  if (id?.type === 'Root') return 'root';
  return id?.userName ?? id?.sessionContext?.sessionIssuer?.userName ?? id?.arn ?? id?.principalId ?? 'an unknown principal';
};

const SERVICE_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$/;

/**
 * The attributes every CloudTrail alert carries: the record id, principal, source address,
 * user agent, region and account. `sourceIPAddress` is an IP for calls from a client, a
 * service hostname when a service acted on the principal's behalf, or `AWS Internal`;
 * only the first two are entities worth inspecting.
 */
export const cloudTrailAttributes = (r: CloudTrailRecord): AttributeInput[] => {
  const out: AttributeInput[] = [];
  const id = r.userIdentity;
  if (r.eventID) out.push({ type: 'event_id', key: 'eventID', value: r.eventID, context: ['additional'] });
  if (id?.arn) out.push({ type: 'aws_arn', key: 'userIdentity.arn', value: id.arn, context: ['subject'] });
  const issuer = id?.sessionContext?.sessionIssuer;
  if (issuer?.arn && issuer.arn !== id?.arn) out.push({ type: 'aws_arn', key: 'sessionIssuer.arn', value: issuer.arn, context: ['subject'] });
  if (id?.userName) out.push({ type: 'username', key: 'userIdentity.userName', value: id.userName, context: ['subject'] });
  else if (issuer?.userName) out.push({ type: 'username', key: 'sessionIssuer.userName', value: issuer.userName, context: ['subject'] });
  if (id?.accessKeyId) out.push({ type: 'aws_access_key_id', key: 'userIdentity.accessKeyId', value: id.accessKeyId, context: ['subject'] });
  const source = r.sourceIPAddress;
  if (source && source !== 'AWS Internal') {
    if (SERVICE_HOST.test(source)) out.push({ type: 'domain', key: 'sourceIPAddress', value: source, context: ['client'] });
    else out.push({ type: 'ipaddr', key: 'sourceIPAddress', value: source, context: ['remote', 'client'] });
  }
  if (r.userAgent) out.push({ type: 'user_agent', key: 'userAgent', value: r.userAgent.slice(0, 2048), context: ['client'] });
  if (r.awsRegion) out.push({ type: 'aws_region', key: 'awsRegion', value: r.awsRegion, context: ['additional'] });
  const account = accountOf(r);
  if (account !== 'unknown-account') out.push({ type: 'aws_account_id', key: 'recipientAccountId', value: account, context: ['local'] });
  return out;
};

/** A call that went through: no errorCode. */
export const succeeded = (r: CloudTrailRecord): boolean => r.errorCode === undefined || r.errorCode === null || r.errorCode === '';

/** Policy documents arrive as JSON text (IAM) or parsed (S3); statements as one object or a list. */
export const policyStatements = (doc: unknown): Record<string, unknown>[] => {
  let parsed = doc;
  if (typeof doc === 'string') {
    try {
      parsed = JSON.parse(doc.startsWith('%7B') ? decodeURIComponent(doc) : doc);
    } catch {
      return [];
    }
  }
  const statements = field(parsed, 'Statement');
  const list = Array.isArray(statements) ? statements : statements && typeof statements === 'object' ? [statements] : [];
  return list.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
};

export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
