/**
 * Security Hub findings in the AWS Security Finding Format (ASFF): the `detail.findings[]` of a
 * `Security Hub Findings - Imported` event (one alert per finding), a single finding, or the
 * `{"Findings": [...]}` that `aws securityhub get-findings` prints. The newer Security Hub's
 * OCSF findings (`Findings Imported V2`) are read by ocsf.ts.
 *   detector `securityhub`; rule_id the control (`Compliance.SecurityControlId`), else the
 *   GeneratorId when it names a rule, else the first finding type (GuardDuty's GeneratorId is
 *   its detector ARN, the same for every finding); alert_key the finding Id, so each update
 *   of one finding joins its report.
 * Findings Security Hub itself marks as over (archived, resolved, suppressed, or a passed
 * control) are skipped with the reason, not raised again.
 */
import { ALERT_LIMITS, type SourceSeverity } from '../../core/alert.ts';
import { AttributeList, bodyWithin, findingAlert, listAt, objectAt, pathOf, severity, textAt, truncate, type Json } from '../fields.ts';
import { defineSource, type MappedItem } from '../source.ts';
import { isOcsfFinding, mapOcsfFinding } from './ocsf.ts';

const LABELS: Record<string, SourceSeverity['level']> = { INFORMATIONAL: 'info', LOW: 'low', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' };

/** `Severity.Label`, else the documented bands of `Severity.Normalized` (0 info, 1–39 low, 40–69 medium, 70–89 high, 90–100 critical). */
export const asffSeverity = (value: unknown): SourceSeverity | undefined => {
  const { Label: label, Normalized: normalized } = objectAt(value);
  if (typeof label === 'string' && LABELS[label]) return severity(LABELS[label]!, label);
  if (typeof normalized !== 'number' || !Number.isFinite(normalized)) return undefined;
  const level = normalized >= 90 ? 'critical' : normalized >= 70 ? 'high' : normalized >= 40 ? 'medium' : normalized >= 1 ? 'low' : 'info';
  return severity(level, normalized);
};

const REMOTE = ['remote'];
const LOCAL = ['local'];
const SUBJECT = ['subject'];
const INDICATORS: Record<string, string> = { IPV4_ADDRESS: 'ipaddr', IPV6_ADDRESS: 'ipaddr', DOMAIN: 'domain', URL: 'url', HASH_MD5: 'filehash', HASH_SHA1: 'filehash', HASH_SHA256: 'filehash', HASH_SHA512: 'filehash' };

const addResources = (attributes: AttributeList, resources: unknown[]) => {
  for (const resource of resources.map(objectAt)) {
    const id = textAt(resource.Id);
    const details = objectAt(resource.Details);
    switch (resource.Type) {
      case 'AwsEc2Instance': {
        const instance = objectAt(details.AwsEc2Instance);
        attributes.add('aws_instance_id', 'instance_id', /instance\/(i-[0-9a-f]+)$/.exec(id ?? '')?.[1], LOCAL);
        for (const ip of [...listAt(instance.IpV4Addresses), ...listAt(instance.IpV6Addresses)]) attributes.add('ipaddr', 'instance_ip', ip, LOCAL);
        attributes.add('aws_arn', 'instance_profile_arn', instance.IamInstanceProfileArn, LOCAL);
        break;
      }
      case 'AwsIamAccessKey': {
        const key = objectAt(details.AwsIamAccessKey);
        attributes.add('aws_access_key_id', 'access_key_id', /((AKIA|ASIA)[A-Z0-9]+)$/.exec(id ?? '')?.[1] ?? key.AccessKeyId, SUBJECT);
        attributes.add('username', 'user_name', key.PrincipalName ?? key.UserName, SUBJECT);
        continue;
      }
      case 'AwsIamUser':
        attributes.add('username', 'user_name', objectAt(details.AwsIamUser).UserName, SUBJECT);
        break;
      case 'AwsAccount':
        attributes.add('aws_account_id', 'account', /(\d{12})$/.exec(id ?? '')?.[1], LOCAL);
        continue;
    }
    if (id?.startsWith('arn:')) {
      const key = resource.Type === 'AwsIamRole' ? 'role_arn' : resource.Type === 'AwsIamUser' ? 'user_arn' : 'resource_arn';
      attributes.add('aws_arn', key, id, resource.Type === 'AwsIamRole' || resource.Type === 'AwsIamUser' ? SUBJECT : LOCAL);
    }
  }
};

const addNetwork = (attributes: AttributeList, network: Json) => {
  // Direction says which end is ours; without it the source is taken as the remote end.
  const [source, destination] = network.Direction === 'OUT' ? [LOCAL, REMOTE] : [REMOTE, LOCAL];
  const name = (ctx: string[], what: string) => `${ctx === REMOTE ? 'remote' : 'local'}_${what}`;
  attributes.add('ipaddr', name(source, 'ip'), network.SourceIpV4, source).add('ipaddr', name(source, 'ip'), network.SourceIpV6, source);
  attributes.add('port', name(source, 'port'), network.SourcePort, source).add('domain', name(source, 'domain'), network.SourceDomain, source);
  attributes.add('ipaddr', name(destination, 'ip'), network.DestinationIpV4, destination).add('ipaddr', name(destination, 'ip'), network.DestinationIpV6, destination);
  attributes.add('port', name(destination, 'port'), network.DestinationPort, destination).add('domain', name(destination, 'domain'), network.DestinationDomain, destination);
};

const addAction = (attributes: AttributeList, action: Json) => {
  const remoteIp = (details: unknown) => {
    const ip = objectAt(details);
    attributes.add('ipaddr', 'remote_ip', ip.IpAddressV4, REMOTE).add('ipaddr', 'remote_ip', ip.IpAddressV6, REMOTE);
  };
  const connection = objectAt(action.NetworkConnectionAction);
  remoteIp(connection.RemoteIpDetails);
  attributes.add('port', 'remote_port', objectAt(connection.RemotePortDetails).Port, REMOTE);
  attributes.add('port', 'local_port', objectAt(connection.LocalPortDetails).Port, LOCAL);
  const apiCall = objectAt(action.AwsApiCallAction);
  remoteIp(apiCall.RemoteIpDetails);
  attributes.add('domain', 'remote_domain', objectAt(apiCall.DomainDetails).Domain, REMOTE);
  attributes.add('domain', 'remote_domain', objectAt(action.DnsRequestAction).Domain, REMOTE);
  for (const probe of listAt(objectAt(action.PortProbeAction).PortProbeDetails).map(objectAt)) {
    remoteIp(probe.RemoteIpDetails);
    attributes.add('port', 'local_port', objectAt(probe.LocalPortDetails).Port, LOCAL);
  }
};

const skipReason = (finding: Json): string | undefined => {
  if (finding.RecordState === 'ARCHIVED') return 'archived';
  const workflow = textAt(objectAt(finding.Workflow).Status);
  if (workflow === 'RESOLVED' || workflow === 'SUPPRESSED') return `workflow status ${workflow}`;
  if (objectAt(finding.Compliance).Status === 'PASSED') return 'control PASSED';
  return undefined;
};

const ruleIdOf = (finding: Json): string | undefined => {
  const control = textAt(objectAt(finding.Compliance).SecurityControlId);
  const generator = textAt(finding.GeneratorId);
  if (control) return control;
  if (generator && !generator.startsWith('arn:')) return generator;
  return textAt(listAt(finding.Types)[0]) ?? generator;
};

const mapFinding = (finding: Json, path: string): MappedItem => {
  const id = textAt(finding.Id);
  const ruleId = ruleIdOf(finding);
  const issues = [
    ...(id === undefined ? [{ path: pathOf(path, 'Id'), message: 'Id is required (the ASFF finding id)' }] : []),
    ...(ruleId === undefined ? [{ path: pathOf(path, 'GeneratorId'), message: 'GeneratorId is required (or Compliance.SecurityControlId, or Types)' }] : []),
  ];
  if (issues.length) return { path, issues };
  const skipped = skipReason(finding);
  if (skipped) return { path, skipped: `Security Hub finding ${id}: ${skipped}` };

  const attributes = new AttributeList().add('aws_account_id', 'account', finding.AwsAccountId, LOCAL);
  addResources(attributes, listAt(finding.Resources));
  addNetwork(attributes, objectAt(finding.Network));
  addAction(attributes, objectAt(finding.Action));
  for (const indicator of listAt(finding.ThreatIntelIndicators).map(objectAt)) {
    const type = INDICATORS[String(indicator.Type)];
    if (type) attributes.add(type, 'threat_intel', indicator.Value, REMOTE);
  }

  const title = truncate(textAt(finding.Title), ALERT_LIMITS.idBytes);
  return {
    path,
    alert: findingAlert({
      detector: 'securityhub',
      ruleId: ruleId!,
      id: id!,
      title: finding.Title,
      description: finding.Description,
      updatedAt: finding.UpdatedAt,
      createdAt: finding.CreatedAt,
      sourceSeverity: asffSeverity(finding.Severity),
      attributes: attributes.items,
      body: bodyWithin(finding, () => ({ Id: id, ProductArn: finding.ProductArn, GeneratorId: finding.GeneratorId, Title: title, Severity: finding.Severity })),
    }),
  };
};

const isFinding = (document: Json) => typeof document.SchemaVersion === 'string' && typeof document.ProductArn === 'string';

/** ASFF or OCSF, told apart per finding. */
const mapAny = (finding: Json, path: string): MappedItem => (isOcsfFinding(finding) ? mapOcsfFinding(finding, path) : mapFinding(finding, path));

export const securityHubSource = defineSource({
  name: 'securityhub',
  describes: 'a Security Hub finding in ASFF (or {"Findings": [...]}) or OCSF',
  recognises: (document) =>
    isFinding(document) || isOcsfFinding(document) || (Array.isArray(document.Findings) && document.Findings.some((f) => isFinding(objectAt(f)))),
  map: (document, path) =>
    Array.isArray(document.Findings)
      ? document.Findings.map((finding, i) => mapFinding(objectAt(finding), pathOf(path, 'Findings', i)))
      : [mapAny(document, path)],
});

/** The findings of an EventBridge event's detail, ASFF or OCSF: `detail.findings[i]`. */
export const mapImportedFindings = (detail: Json, path: string): MappedItem[] =>
  listAt(detail.findings).map((finding, i) => mapAny(objectAt(finding), pathOf(path, 'findings', i)));
