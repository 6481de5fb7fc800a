/**
 * aws-ec2: whose instance is this, and how exposed is it? For an instance id, or an IP address
 * held by a network interface of this account (or of a configured account, see
 * ../aws-common/sessions.ts): name and owner tags, image, VPC/subnet, instance profile, launch
 * time, state, and the security groups with the ingress rules open to the internet. The
 * instance behind an IP and the instance's other addresses come back as new attributes, so the
 * other inspectors look at them too (bounded by ALERTWARDEN_MAX_INSPECTION_DEPTH).
 *
 * IAM: ec2:DescribeInstances, ec2:DescribeNetworkInterfaces, ec2:DescribeSecurityGroups (no
 * resource-level permissions exist for them), plus sts:AssumeRole on the configured role.
 */
import { isIP } from 'node:net';
import type {
  EC2Client,
  Instance,
  IpPermission,
  NetworkInterface,
  SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { AttributeInput } from '../../core/alert.ts';
import { defineInspector, type FindingInput, type InspectionResult, type Inspector } from '../../core/plugins.ts';
import { AwsSessions, awsErrorName, sessionOptionsFromEnv, type AccountTarget, type AwsSessionsOptions, type ClientConfig } from '../aws-common/sessions.ts';
import { addressScope } from '../common/address-scope.ts';
import { cleanText } from '../common/text.ts';

export const OWNER_TAGS_ENV = 'ALERTWARDEN_EC2_OWNER_TAGS';
const DEFAULT_OWNER_TAGS = ['Owner', 'owner', 'Team', 'team', 'Contact'];
/** Ports whose exposure to the whole internet is routine for a web-facing instance. */
const WEB_PORTS = new Set([80, 443]);

export interface Ec2InspectorOptions extends AwsSessionsOptions {
  /** Tag keys read as the owner, first present wins. */
  ownerTags?: readonly string[];
  makeClient?: (config: ClientConfig) => EC2Client | Promise<EC2Client>;
}

export interface OpenIngress {
  groupId: string;
  protocol: string;
  ports: string;
  from: string;
}

const portsOf = (p: IpPermission) =>
  p.IpProtocol === '-1' || p.FromPort === undefined ? 'all' : p.FromPort === p.ToPort ? String(p.FromPort) : `${p.FromPort}-${p.ToPort}`;

/** Ingress rules reachable from any address (0.0.0.0/0 or ::/0). */
export const openIngressOf = (groups: readonly SecurityGroup[]): OpenIngress[] =>
  groups.flatMap((g) =>
    (g.IpPermissions ?? []).flatMap((p) =>
      [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)]
        .filter((cidr): cidr is string => cidr === '0.0.0.0/0' || cidr === '::/0')
        .map((from) => ({ groupId: g.GroupId ?? '?', protocol: p.IpProtocol === '-1' ? 'all' : (p.IpProtocol ?? '?'), ports: portsOf(p), from })),
    ),
  );

const exposesMoreThanWeb = (rule: OpenIngress) => rule.ports === 'all' || !WEB_PORTS.has(Number(rule.ports));

const tag = (instance: Instance, keys: readonly string[]) => {
  for (const key of keys) {
    const value = instance.Tags?.find((t) => t.Key === key)?.Value;
    if (value) return value;
  }
  return undefined;
};

type AddressKind = 'private' | 'public' | 'ipv6';

/** One key per (kind, instance): the same address found from the IP and from the instance is one attribute. */
const addressKey = (kind: AddressKind, instanceId: string) => `${kind} address of ${instanceId}`;

const collect = (seen: Map<string, AddressKind>, eni: Pick<NetworkInterface, 'PrivateIpAddresses' | 'Ipv6Addresses'>) => {
  for (const a of eni.PrivateIpAddresses ?? []) {
    if (a.PrivateIpAddress) seen.set(a.PrivateIpAddress, 'private');
    if (a.Association?.PublicIp) seen.set(a.Association.PublicIp, 'public');
  }
  for (const a of eni.Ipv6Addresses ?? []) if (a.Ipv6Address) seen.set(a.Ipv6Address, 'ipv6');
};

const listed = (seen: Map<string, AddressKind>) => [...seen].map(([value, kind]) => ({ value, kind }));

/** The addresses of one network interface. */
export const eniAddressesOf = (eni: NetworkInterface): { value: string; kind: AddressKind }[] => {
  const seen = new Map<string, AddressKind>();
  if (eni.PrivateIpAddress) seen.set(eni.PrivateIpAddress, 'private');
  if (eni.Association?.PublicIp) seen.set(eni.Association.PublicIp, 'public');
  collect(seen, eni);
  return listed(seen);
};

/** Every address the instance holds, private and public, over all its interfaces. */
export const addressesOf = (instance: Instance): { value: string; kind: AddressKind }[] => {
  const seen = new Map<string, AddressKind>();
  if (instance.PrivateIpAddress) seen.set(instance.PrivateIpAddress, 'private');
  if (instance.PublicIpAddress) seen.set(instance.PublicIpAddress, 'public');
  for (const eni of instance.NetworkInterfaces ?? []) collect(seen, eni);
  return listed(seen);
};

/**
 * @example
 * const ec2 = createEc2Inspector({ region: 'eu-west-1', accounts: ['111122223333'], roleName: 'AlertWardenInspect' });
 */
export const createEc2Inspector = (options: Ec2InspectorOptions = {}): Inspector => {
  const ownerTags = options.ownerTags ?? DEFAULT_OWNER_TAGS;
  // Imported on first use (see ../aws-common/sessions.ts).
  const sdk = () => import('@aws-sdk/client-ec2');
  const sessions = new AwsSessions(options.makeClient ?? (async (config) => new (await sdk()).EC2Client(config)), options);

  const findInstance = async (instanceId: string, signal: AbortSignal): Promise<{ instance: Instance; account: AccountTarget; ownerId?: string } | undefined> => {
    const { DescribeInstancesCommand } = await sdk();
    for (const account of sessions.targets()) {
      try {
        const result = await (await sessions.client(account)).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal });
        for (const reservation of result.Reservations ?? []) {
          const instance = reservation.Instances?.find((i) => i.InstanceId === instanceId);
          if (instance) return { instance, account, ...(reservation.OwnerId ? { ownerId: reservation.OwnerId } : {}) };
        }
      } catch (error) {
        // Asked in the wrong account: try the next one.
        if (awsErrorName(error) !== 'InvalidInstanceID.NotFound') throw error;
      }
    }
    return undefined;
  };

  const findInterface = async (ip: string, signal: AbortSignal): Promise<{ eni: NetworkInterface; account: AccountTarget } | undefined> => {
    const scope = addressScope(ip);
    const filter =
      isIP(ip) === 6 ? 'ipv6-addresses.ipv6-address' : scope === 'private' || scope === 'shared' ? 'addresses.private-ip-address' : 'association.public-ip';
    const { DescribeNetworkInterfacesCommand } = await sdk();
    for (const account of sessions.targets()) {
      const result = await (await sessions.client(account)).send(
        new DescribeNetworkInterfacesCommand({ Filters: [{ Name: filter, Values: [ip] }] }),
        { abortSignal: signal },
      );
      const eni = result.NetworkInterfaces?.[0];
      if (eni) return { eni, account };
    }
    return undefined;
  };

  const describeInstance = async (
    found: { instance: Instance; account: AccountTarget; ownerId?: string },
    exclude: string,
    signal: AbortSignal,
  ): Promise<InspectionResult> => {
    const { instance } = found;
    const id = instance.InstanceId ?? '?';
    const groupIds = (instance.SecurityGroups ?? []).map((g) => g.GroupId).filter((g): g is string => Boolean(g));
    const { DescribeSecurityGroupsCommand } = await sdk();
    const groups = groupIds.length
      ? ((await (await sessions.client(found.account)).send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }), { abortSignal: signal })).SecurityGroups ?? [])
      : [];
    const open = openIngressOf(groups);
    // Tags are written by whoever may tag the instance: shown in titles only cleaned.
    const rawName = tag(instance, ['Name']);
    const rawOwner = tag(instance, ownerTags);
    const name = rawName === undefined ? undefined : cleanText(rawName, 80);
    const owner = rawOwner === undefined ? undefined : cleanText(rawOwner, 80);
    const addresses = addressesOf(instance);
    const findings: FindingInput[] = [
      {
        verdict: 'info',
        title: `EC2 instance ${name ? `${name} (${id})` : id}, ${instance.State?.Name ?? 'state unknown'}${owner ? `, owner ${owner}` : ''}`,
        source: 'ec2:DescribeInstances',
        detail: {
          instanceId: id,
          ...(found.ownerId ? { account: found.ownerId } : {}),
          ...(name ? { name } : {}),
          ...(owner ? { owner } : {}),
          state: instance.State?.Name,
          instanceType: instance.InstanceType,
          imageId: instance.ImageId,
          vpcId: instance.VpcId,
          subnetId: instance.SubnetId,
          availabilityZone: instance.Placement?.AvailabilityZone,
          launchTime: instance.LaunchTime?.toISOString(),
          instanceProfile: instance.IamInstanceProfile?.Arn,
          securityGroups: groups.map((g) => ({ id: g.GroupId, name: g.GroupName })),
          openIngress: open,
          addresses,
        },
      },
    ];
    const risky = open.filter(exposesMoreThanWeb);
    if (risky.length > 0) {
      findings.push({
        verdict: 'suspicious',
        title: `instance ${id} is open to the internet on ${risky.map((r) => `${r.protocol}/${r.ports}`).join(', ')}`,
        source: 'ec2:DescribeSecurityGroups',
        detail: { instanceId: id, openIngress: risky },
      });
    }
    const newAttributes: AttributeInput[] = addresses
      .filter((a) => a.value !== exclude)
      .map((a) => ({ type: 'ipaddr', key: addressKey(a.kind, id), value: a.value, context: ['local'] }));
    return { findings, newAttributes };
  };

  return defineInspector({
    name: 'aws-ec2',
    accepts: ['aws_instance_id', 'ipaddr'],
    async inspect(attribute, ctx) {
      if (attribute.type === 'aws_instance_id') {
        const found = await findInstance(attribute.value, ctx.signal);
        if (!found) return { findings: [{ verdict: 'info', title: `no instance ${attribute.value} in the accounts searched`, source: 'ec2:DescribeInstances' }] };
        return describeInstance(found, attribute.value, ctx.signal);
      }
      // Loopback, link-local, documentation and multicast addresses are never an interface's.
      const scope = addressScope(attribute.value);
      if (scope === 'special') return { findings: [] };
      const hit = await findInterface(attribute.value, ctx.signal);
      if (!hit) return { findings: [] };
      const instanceId = hit.eni.Attachment?.InstanceId;
      if (!instanceId) {
        return {
          findings: [
            {
              verdict: 'info',
              title: `${attribute.value} is held by ${hit.eni.InterfaceType ?? 'a network interface'} ${hit.eni.NetworkInterfaceId ?? ''}`.trim(),
              source: 'ec2:DescribeNetworkInterfaces',
              detail: {
                networkInterfaceId: hit.eni.NetworkInterfaceId,
                interfaceType: hit.eni.InterfaceType,
                description: hit.eni.Description,
                account: hit.eni.OwnerId,
                requesterId: hit.eni.RequesterId,
                vpcId: hit.eni.VpcId,
                subnetId: hit.eni.SubnetId,
              },
            },
          ],
        };
      }
      // The instance's own description comes from inspecting its id, next: here only who holds the address.
      const others = eniAddressesOf(hit.eni).filter((a) => a.value !== attribute.value);
      return {
        findings: [
          {
            verdict: 'info',
            title: `${attribute.value} is held by instance ${instanceId}`,
            source: 'ec2:DescribeNetworkInterfaces',
            detail: {
              instanceId,
              networkInterfaceId: hit.eni.NetworkInterfaceId,
              account: hit.eni.OwnerId,
              vpcId: hit.eni.VpcId,
              subnetId: hit.eni.SubnetId,
              securityGroups: (hit.eni.Groups ?? []).map((g) => ({ id: g.GroupId, name: g.GroupName })),
            },
          },
        ],
        newAttributes: [
          { type: 'aws_instance_id', key: `instance holding ${attribute.value}`, value: instanceId, context: ['local'] },
          ...others.map((a): AttributeInput => ({ type: 'ipaddr', key: addressKey(a.kind, instanceId), value: a.value, context: ['local'] })),
        ],
      };
    },
  });
};

/**
 * ALERTWARDEN_EC2_OWNER_TAGS (comma-separated tag keys), ALERTWARDEN_AWS_ACCOUNTS,
 * ALERTWARDEN_AWS_ROLE_NAME and the function's AWS_REGION.
 */
export const ec2InspectorFromEnv = (env: Record<string, string | undefined>): Inspector => {
  const ownerTags = (env[OWNER_TAGS_ENV] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return createEc2Inspector({ ...sessionOptionsFromEnv(env), ...(ownerTags.length ? { ownerTags } : {}) });
};
