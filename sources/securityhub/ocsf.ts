/**
 * Security Hub findings in OCSF: the `detail.findings[]` of a `Findings Imported V2` event (the
 * newer Security Hub; Security Hub CSPM sends ASFF, see index.ts). Only fields Security Hub
 * and the OCSF schema document are read:
 *   identity   finding_info.uid (with cloud.account.uid and metadata.product.uid, which Security
 *              Hub's OcsfFindingIdentifier names) -> alert_key, so every update of a finding
 *              joins its report;
 *   rule_id    compliance.control for a Compliance Finding, else finding_info.types[0], else
 *              the product name and class_name;
 *   severity   severity_id (1 informational .. 5 critical, 6 fatal) or the severity caption;
 *   entities   cloud.account.uid, resources[] (uid and the CloudFormation-style type such as
 *              AWS::EC2::Instance), evidences[].src_endpoint/dst_endpoint (client/server) and actor.user,
 *              observables[] of the address, hostname, URL and hash types.
 * Findings Security Hub counts as closed (activity_name Close), resolved or suppressed, and
 * passed controls are skipped with the reason.
 */
import { ALERT_LIMITS, type SourceSeverity } from '../../core/alert.ts';
import { AttributeList, bodyWithin, findingAlert, isObject, listAt, objectAt, pathOf, severity, textAt, truncate, type Json } from '../fields.ts';
import type { MappedItem } from '../source.ts';

export const isOcsfFinding = (finding: Json): boolean => typeof finding.class_uid === 'number' && isObject(finding.finding_info) && isObject(finding.metadata);

const BY_ID: Record<number, SourceSeverity['level']> = { 1: 'info', 2: 'low', 3: 'medium', 4: 'high', 5: 'critical', 6: 'critical' };
const BY_CAPTION: Record<string, SourceSeverity['level']> = { informational: 'info', low: 'low', medium: 'medium', high: 'high', critical: 'critical', fatal: 'critical' };

/** OCSF severity_id, else its caption (`severity`); 0 Unknown and 99 Other say nothing. */
export const ocsfSeverity = (finding: Json): SourceSeverity | undefined => {
  const caption = textAt(finding.severity);
  const raw = caption ?? (typeof finding.severity_id === 'number' ? finding.severity_id : undefined);
  const level = (typeof finding.severity_id === 'number' ? BY_ID[finding.severity_id] : undefined) ?? (caption ? BY_CAPTION[caption.toLowerCase()] : undefined);
  return level ? severity(level, raw) : undefined;
};

const CLIENT = ['client'];
const SERVER = ['server'];
const LOCAL = ['local'];
const SUBJECT = ['subject'];
const ADDITIONAL = ['additional'];
/** OCSF observable type_id -> attribute type: 1 Hostname, 2 IP Address, 6 URL String, 8 Hash. */
const OBSERVABLES: Record<number, string> = { 1: 'domain', 2: 'ipaddr', 6: 'url', 8: 'filehash' };

const addResources = (attributes: AttributeList, resources: unknown[]) => {
  for (const resource of resources.map(objectAt)) {
    const uid = textAt(resource.uid);
    const type = textAt(resource.type);
    if (!uid) continue;
    if (type === 'AWS::EC2::Instance') attributes.add('aws_instance_id', 'instance_id', /(i-[0-9a-f]{8,17})$/.exec(uid)?.[1], LOCAL);
    if (type === 'AWS::IAM::AccessKey') attributes.add('aws_access_key_id', 'access_key_id', /((AKIA|ASIA)[A-Z0-9]{12,})$/.exec(uid)?.[1], SUBJECT);
    if (type === 'AWS::Account' || type === 'AWS::::Account') attributes.add('aws_account_id', 'account', /(\d{12})$/.exec(uid)?.[1], LOCAL);
    if (uid.startsWith('arn:')) {
      const key = type === 'AWS::IAM::Role' ? 'role_arn' : type === 'AWS::IAM::User' ? 'user_arn' : 'resource_arn';
      attributes.add('aws_arn', key, uid, key === 'resource_arn' ? LOCAL : SUBJECT);
    }
  }
};

const addEndpoint = (attributes: AttributeList, endpoint: unknown, side: 'source' | 'destination') => {
  const e = objectAt(endpoint);
  const context = side === 'source' ? CLIENT : SERVER;
  attributes.add('ipaddr', `${side}_ip`, e.ip, context).add('port', `${side}_port`, e.port, context).add('domain', `${side}_domain`, e.domain ?? e.hostname, context);
};

const addEvidence = (attributes: AttributeList, finding: Json) => {
  for (const evidence of listAt(finding.evidences).map(objectAt)) {
    // OCSF says which end opened the connection, not which end is ours: an instance calling out
    // and an attacker knocking both put the opener in src_endpoint, so the ends stay client/server.
    addEndpoint(attributes, evidence.src_endpoint, 'source');
    addEndpoint(attributes, evidence.dst_endpoint, 'destination');
    attributes.add('username', 'user_name', objectAt(objectAt(evidence.actor).user).name, SUBJECT);
  }
  attributes.add('username', 'user_name', objectAt(objectAt(finding.actor).user).name, SUBJECT);
  for (const observable of listAt(finding.observables).map(objectAt)) {
    const type = typeof observable.type_id === 'number' ? OBSERVABLES[observable.type_id] : undefined;
    if (type) attributes.add(type, 'observable', observable.value, ADDITIONAL);
  }
};

const skipReason = (finding: Json): string | undefined => {
  if (finding.activity_name === 'Close' || finding.activity_id === 3) return 'closed';
  const status = textAt(finding.status);
  if (status === 'Resolved' || status === 'Suppressed') return `status ${status}`;
  const compliance = objectAt(finding.compliance);
  if (compliance.status === 'Pass' || compliance.status_id === 1) return 'control passed';
  return undefined;
};

const ruleIdOf = (finding: Json): string | undefined => {
  const control = textAt(objectAt(finding.compliance).control);
  if (control) return control;
  const type = textAt(listAt(objectAt(finding.finding_info).types)[0]);
  if (type) return type;
  const product = textAt(objectAt(objectAt(finding.metadata).product).name);
  const className = textAt(finding.class_name);
  return product && className ? `${product}/${className}` : className;
};

export const mapOcsfFinding = (finding: Json, path: string): MappedItem => {
  const info = objectAt(finding.finding_info);
  const id = textAt(info.uid);
  const ruleId = ruleIdOf(finding);
  const issues = [
    ...(id === undefined ? [{ path: pathOf(path, 'finding_info', 'uid'), message: 'finding_info.uid is required (the OCSF finding uid)' }] : []),
    ...(ruleId === undefined ? [{ path: pathOf(path, 'class_name'), message: 'class_name is required (or compliance.control, or finding_info.types)' }] : []),
  ];
  if (issues.length) return { path, issues };
  const skipped = skipReason(finding);
  if (skipped) return { path, skipped: `Security Hub finding ${id}: ${skipped}` };

  const cloud = objectAt(finding.cloud);
  const attributes = new AttributeList().add('aws_account_id', 'account', objectAt(cloud.account).uid, LOCAL);
  addResources(attributes, listAt(finding.resources));
  addEvidence(attributes, finding);

  return {
    path,
    alert: findingAlert({
      detector: 'securityhub',
      ruleId: ruleId!,
      id: id!,
      title: info.title,
      description: info.desc ?? finding.message,
      updatedAt: info.modified_time_dt ?? finding.time_dt ?? info.modified_time ?? finding.time,
      createdAt: info.created_time_dt ?? info.created_time,
      sourceSeverity: ocsfSeverity(finding),
      attributes: attributes.items,
      body: bodyWithin(finding, () => ({
        class_name: finding.class_name,
        finding_info: { uid: id, title: truncate(textAt(info.title), ALERT_LIMITS.idBytes), types: info.types },
        metadata: { product: objectAt(finding.metadata).product },
        cloud: { account: cloud.account, region: cloud.region },
        severity: finding.severity,
        severity_id: finding.severity_id,
      })),
    }),
  };
};
