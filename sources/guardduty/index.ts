/**
 * GuardDuty findings, raw (as exported to S3 or read from an EventBridge `GuardDuty Finding`
 * event's `detail`), and as `aws guardduty get-findings` (and the SDKs) print them:
 * `{"Findings": [{"AccountId": …, "Resource": {"InstanceDetails": …}}]}`, the same shapes with
 * PascalCase member names, read as the camelCase form so both make the same alert. One finding
 * is one alert:
 *   detector `guardduty`, rule_id the finding type, alert_key the finding id (GuardDuty itself
 *   folds repeats of an activity into one finding id and bumps `service.count`, so every update
 *   of a finding joins the same report), the finding as body.
 * Attributes: the account, the instance (id, public and private IPs, instance profile), the
 * access key (id, user name, role ARN for assumed roles), S3 buckets, and the remote IP,
 * domain and ports from the finding's action. Placeholders in sample findings
 * ("GeneratedFindingAccessKeyId") fail their type checks and stay as unverified notes.
 */
import { ALERT_LIMITS, type SourceSeverity } from '../../core/alert.ts';
import { AttributeList, bodyWithin, findingAlert, isObject, listAt, objectAt, pathOf, severity, textAt, truncate, type Json } from '../fields.ts';
import { defineSource, type MappedItem } from '../source.ts';

/** GuardDuty's documented bands: 1.0–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10.0 critical. */
export const guardDutySeverity = (value: unknown): SourceSeverity | undefined => {
  const score = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(score)) return undefined;
  const level = score >= 9 ? 'critical' : score >= 7 ? 'high' : score >= 4 ? 'medium' : score >= 1 ? 'low' : 'info';
  return severity(level, score);
};

const REMOTE = ['remote'];
const LOCAL = ['local'];
const SUBJECT = ['subject'];

const addRemoteIp = (attributes: AttributeList, details: unknown) => {
  const remote = objectAt(details);
  attributes.add('ipaddr', 'remote_ip', remote.ipAddressV4, REMOTE).add('ipaddr', 'remote_ip', remote.ipAddressV6, REMOTE);
};

const addResource = (attributes: AttributeList, resource: Json, partition: string, account: string | undefined) => {
  const instance = objectAt(resource.instanceDetails);
  attributes.add('aws_instance_id', 'instance_id', instance.instanceId, LOCAL);
  attributes.add('aws_arn', 'instance_profile_arn', objectAt(instance.iamInstanceProfile).arn, LOCAL);
  for (const nic of listAt(instance.networkInterfaces).map(objectAt)) {
    attributes.add('ipaddr', 'public_ip', nic.publicIp, LOCAL).add('ipaddr', 'private_ip', nic.privateIpAddress, LOCAL);
    for (const extra of listAt(nic.privateIpAddresses)) attributes.add('ipaddr', 'private_ip', objectAt(extra).privateIpAddress, LOCAL);
    for (const v6 of listAt(nic.ipv6Addresses)) attributes.add('ipaddr', 'private_ip', v6, LOCAL);
  }
  const key = objectAt(resource.accessKeyDetails);
  attributes.add('aws_access_key_id', 'access_key_id', key.accessKeyId, SUBJECT).add('username', 'user_name', key.userName, SUBJECT);
  // For an assumed role GuardDuty names the role in userName; its ARN is what a responder acts on.
  if (key.userType === 'AssumedRole' && typeof key.userName === 'string' && account) {
    attributes.add('aws_arn', 'role_arn', `arn:${partition}:iam::${account}:role/${key.userName}`, SUBJECT);
  }
  for (const bucket of listAt(resource.s3BucketDetails).map(objectAt)) attributes.add('aws_arn', 'bucket_arn', bucket.arn, LOCAL);
};

const addAction = (attributes: AttributeList, action: Json) => {
  const connection = objectAt(action.networkConnectionAction);
  addRemoteIp(attributes, connection.remoteIpDetails);
  attributes.add('port', 'remote_port', objectAt(connection.remotePortDetails).port, REMOTE);
  attributes.add('port', 'local_port', objectAt(connection.localPortDetails).port, LOCAL);
  const apiCall = objectAt(action.awsApiCallAction);
  addRemoteIp(attributes, apiCall.remoteIpDetails);
  attributes.add('domain', 'remote_domain', objectAt(apiCall.domainDetails).domain, REMOTE);
  attributes.add('domain', 'remote_domain', objectAt(action.dnsRequestAction).domain, REMOTE);
  for (const probe of listAt(objectAt(action.portProbeAction).portProbeDetails).map(objectAt)) {
    addRemoteIp(attributes, probe.remoteIpDetails);
    attributes.add('port', 'local_port', objectAt(probe.localPortDetails).port, LOCAL);
  }
  addRemoteIp(attributes, objectAt(action.kubernetesApiCallAction).remoteIpDetails);
  addRemoteIp(attributes, objectAt(action.rdsLoginAttemptAction).remoteIpDetails);
};

/** Names as the user's document spells them, for the issues. */
const NAMES = { camel: { type: 'type', id: 'id' }, pascal: { type: 'Type', id: 'Id' } } as const;

const mapFinding = (finding: Json, path: string, names: (typeof NAMES)[keyof typeof NAMES] = NAMES.camel): MappedItem => {
  const type = textAt(finding.type);
  const id = textAt(finding.id) ?? textAt(finding.arn);
  const issues = [
    ...(type === undefined ? [{ path: pathOf(path, names.type), message: `${names.type} is required (the GuardDuty finding type)` }] : []),
    ...(id === undefined ? [{ path: pathOf(path, names.id), message: `${names.id} is required (the GuardDuty finding id)` }] : []),
  ];
  if (issues.length) return { path, issues };
  const service = objectAt(finding.service);
  if (service.archived === true) return { path, skipped: `GuardDuty finding ${id} is archived` };

  const account = textAt(finding.accountId);
  const attributes = new AttributeList().add('aws_account_id', 'account', account, LOCAL);
  addResource(attributes, objectAt(finding.resource), textAt(finding.partition) ?? 'aws', account);
  addAction(attributes, objectAt(service.action));

  const title = truncate(textAt(finding.title), ALERT_LIMITS.idBytes);
  return {
    path,
    alert: findingAlert({
      detector: 'guardduty',
      ruleId: type!,
      id: id!,
      title: finding.title,
      description: finding.description,
      updatedAt: finding.updatedAt,
      createdAt: finding.createdAt,
      sourceSeverity: guardDutySeverity(finding.severity),
      attributes: attributes.items,
      body: bodyWithin(finding, () => ({
        id,
        arn: finding.arn,
        type,
        severity: finding.severity,
        accountId: account,
        region: finding.region,
        title,
      })),
    }),
  };
};

const GUARDDUTY_ARN = /^arn:aws[a-z-]*:guardduty:/;

const isCamelFinding = (document: Json): boolean =>
  objectAt(document.service).serviceName === 'guardduty' ||
  (typeof document.arn === 'string' && GUARDDUTY_ARN.test(document.arn)) ||
  (typeof document.schemaVersion === 'string' && typeof document.type === 'string' && isObject(document.resource));

/** ASFF is PascalCase too, but has ProductArn and a Resources list where GuardDuty has one Resource. */
const isPascalFinding = (document: Json): boolean =>
  !('ProductArn' in document) &&
  (objectAt(document.Service).ServiceName === 'guardduty' ||
    (typeof document.Arn === 'string' && GUARDDUTY_ARN.test(document.Arn)) ||
    (typeof document.SchemaVersion === 'string' && typeof document.Type === 'string' && isObject(document.Resource)));

/**
 * PascalCase member names to the camelCase the API's JSON (and EventBridge) uses: the CLI
 * prints each member's name, the wire carries the same name with a lower-case first letter.
 * Keys that are not member names (tag values, map keys such as `AWS::S3::Bucket`) are left.
 */
export const camelCaseKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (!isObject(value)) return value;
  // fromEntries defines own properties: a "__proto__" key in the input stays data.
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [/^[A-Z][A-Za-z0-9]*$/.test(key) ? key[0]!.toLowerCase() + key.slice(1) : key, camelCaseKeys(v)]));
};

const mapPascal = (finding: unknown, path: string): MappedItem => mapFinding(objectAt(camelCaseKeys(finding)), path, NAMES.pascal);

/** `{"Findings": […]}` from the CLI or an SDK, `{"findings": […]}` from the API itself. */
const findingList = (document: Json): { key: 'Findings' | 'findings'; items: unknown[] } | undefined => {
  if (Array.isArray(document.Findings) && document.Findings.some((f) => isPascalFinding(objectAt(f)))) return { key: 'Findings', items: document.Findings };
  if (Array.isArray(document.findings) && document.findings.some((f) => isCamelFinding(objectAt(f)))) return { key: 'findings', items: document.findings };
  return undefined;
};

export const guardDutySource = defineSource({
  name: 'guardduty',
  describes: 'a GuardDuty finding',
  recognises: (document) => isCamelFinding(document) || isPascalFinding(document) || findingList(document) !== undefined,
  map: (document, path) => {
    const list = findingList(document);
    if (list) {
      return list.items.map((finding, i) =>
        list.key === 'Findings' ? mapPascal(finding, pathOf(path, 'Findings', i)) : mapFinding(objectAt(finding), pathOf(path, 'findings', i)),
      );
    }
    return isPascalFinding(document) ? [mapPascal(document, path)] : [mapFinding(document, path)];
  },
});
