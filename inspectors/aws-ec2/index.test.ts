import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { runInspector } from '../../core/testing.ts';
import { addressScope } from '../common/address-scope.ts';
import { createEc2Inspector, ec2InspectorFromEnv, openIngressOf } from './index.ts';

// Shapes as in the EC2 API reference (DescribeInstances / DescribeNetworkInterfaces / DescribeSecurityGroups responses).
const INSTANCE: Instance = {
  InstanceId: 'i-0abc1234def567890',
  ImageId: 'ami-0ff8a91507f77f867',
  InstanceType: 't3.micro',
  State: { Code: 16, Name: 'running' },
  LaunchTime: new Date('2026-11-01T08:00:00.000Z'),
  Placement: { AvailabilityZone: 'us-east-1a' },
  VpcId: 'vpc-1a2b3c4d',
  SubnetId: 'subnet-6e7f829e',
  PrivateIpAddress: '10.0.1.25',
  PublicIpAddress: '3.120.14.7',
  IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/web-server', Id: 'AIPAJDPG2V3EXAMPLE' },
  SecurityGroups: [
    { GroupId: 'sg-0web', GroupName: 'web' },
    { GroupId: 'sg-0ssh', GroupName: 'ssh-anywhere' },
  ],
  Tags: [
    { Key: 'Name', Value: 'web-1' },
    { Key: 'Team', Value: 'payments' },
  ],
  NetworkInterfaces: [
    {
      NetworkInterfaceId: 'eni-0a1b2c3d',
      PrivateIpAddresses: [
        { Primary: true, PrivateIpAddress: '10.0.1.25', Association: { PublicIp: '3.120.14.7', IpOwnerId: 'amazon' } },
        { Primary: false, PrivateIpAddress: '10.0.1.26' },
      ],
      Ipv6Addresses: [{ Ipv6Address: '2600:1f18:aaaa:bbbb::25' }],
    },
  ],
};

const GROUPS = [
  {
    GroupId: 'sg-0web',
    GroupName: 'web',
    VpcId: 'vpc-1a2b3c4d',
    IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }],
  },
  {
    GroupId: 'sg-0ssh',
    GroupName: 'ssh-anywhere',
    VpcId: 'vpc-1a2b3c4d',
    IpPermissions: [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'temporary' }] },
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '10.0.0.0/16' }] },
    ],
  },
];

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterEach(() => ec2.reset());

const notFound = () => Object.assign(new Error("The instance ID 'i-0abc1234def567890' does not exist"), { name: 'InvalidInstanceID.NotFound' });

describe('aws-ec2', () => {
  test('an instance id: tags, image, network, profile, state and the ingress open to the internet; its addresses become attributes', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ OwnerId: '123456789012', Instances: [INSTANCE] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: GROUPS });
    const result = await runInspector(createEc2Inspector({ region: 'us-east-1' }), { type: 'aws_instance_id', key: 'resource', value: 'i-0abc1234def567890' });

    assert.deepEqual(ec2.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input), [{ InstanceIds: ['i-0abc1234def567890'] }]);
    assert.deepEqual(ec2.commandCalls(DescribeSecurityGroupsCommand).map((c) => c.args[0].input), [{ GroupIds: ['sg-0web', 'sg-0ssh'] }]);
    assert.equal(ec2.calls().length, 2);

    const [context, exposure] = result.findings;
    assert.equal(context?.title, 'EC2 instance web-1 (i-0abc1234def567890), running, owner payments');
    assert.equal(context?.verdict, 'info');
    assert.deepEqual(
      { ...context?.detail, openIngress: undefined, addresses: undefined, securityGroups: undefined },
      {
        instanceId: 'i-0abc1234def567890',
        account: '123456789012',
        name: 'web-1',
        owner: 'payments',
        state: 'running',
        instanceType: 't3.micro',
        imageId: 'ami-0ff8a91507f77f867',
        vpcId: 'vpc-1a2b3c4d',
        subnetId: 'subnet-6e7f829e',
        availabilityZone: 'us-east-1a',
        launchTime: '2026-11-01T08:00:00.000Z',
        instanceProfile: 'arn:aws:iam::123456789012:instance-profile/web-server',
        openIngress: undefined,
        addresses: undefined,
        securityGroups: undefined,
      },
    );
    // 443 open to all is routine; 22 from anywhere is what the analyst must see; 5432 from the VPC is not open.
    assert.deepEqual(exposure, {
      verdict: 'suspicious',
      title: 'instance i-0abc1234def567890 is open to the internet on tcp/22',
      source: 'ec2:DescribeSecurityGroups',
      detail: { instanceId: 'i-0abc1234def567890', openIngress: [{ groupId: 'sg-0ssh', protocol: 'tcp', ports: '22', from: '0.0.0.0/0' }] },
    });
    assert.deepEqual(
      result.newAttributes?.map((a) => [a.key, a.value]),
      [
        ['private address of i-0abc1234def567890', '10.0.1.25'],
        ['public address of i-0abc1234def567890', '3.120.14.7'],
        ['private address of i-0abc1234def567890', '10.0.1.26'],
        ['ipv6 address of i-0abc1234def567890', '2600:1f18:aaaa:bbbb::25'],
      ],
    );
  });

  test('a private IP of this account: the instance holding it and the interface\'s other addresses, one call', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        {
          NetworkInterfaceId: 'eni-0a1b2c3d',
          InterfaceType: 'interface',
          OwnerId: '123456789012',
          VpcId: 'vpc-1a2b3c4d',
          SubnetId: 'subnet-6e7f829e',
          PrivateIpAddress: '10.0.1.25',
          Attachment: { InstanceId: 'i-0abc1234def567890', InstanceOwnerId: '123456789012', Status: 'attached' },
          Groups: [{ GroupId: 'sg-0web', GroupName: 'web' }],
          Association: { PublicIp: '3.120.14.7' },
          PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: '10.0.1.25', Association: { PublicIp: '3.120.14.7' } }],
        },
      ],
    });
    const result = await runInspector(createEc2Inspector(), { type: 'ipaddr', key: 'local', value: '10.0.1.25' });
    assert.deepEqual(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => c.args[0].input), [
      { Filters: [{ Name: 'addresses.private-ip-address', Values: ['10.0.1.25'] }] },
    ]);
    assert.equal(ec2.calls().length, 1);
    assert.equal(result.findings[0]?.title, '10.0.1.25 is held by instance i-0abc1234def567890');
    assert.deepEqual(result.newAttributes, [
      { type: 'aws_instance_id', key: 'instance holding 10.0.1.25', value: 'i-0abc1234def567890', context: ['local'] },
      { type: 'ipaddr', key: 'public address of i-0abc1234def567890', value: '3.120.14.7', context: ['local'] },
    ]);
  });

  test('a public IP is looked up by association; an unknown one gives no finding', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    const result = await runInspector(createEc2Inspector(), { type: 'ipaddr', key: 'remote', value: '3.120.14.99' });
    assert.deepEqual(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0]?.args[0].input, { Filters: [{ Name: 'association.public-ip', Values: ['3.120.14.99'] }] });
    assert.deepEqual(result, { findings: [] });
  });

  test('an address held by no instance (a NAT gateway) says what holds it', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0nat', InterfaceType: 'natGateway', Description: 'Interface for NAT Gateway nat-0123', OwnerId: '123456789012' }],
    });
    const result = await runInspector(createEc2Inspector(), { type: 'ipaddr', key: 'remote', value: '3.120.14.8' });
    assert.equal(result.findings[0]?.title, '3.120.14.8 is held by natGateway eni-0nat');
    assert.equal(result.newAttributes, undefined);
  });

  test('loopback and documentation addresses are not looked up at all', async () => {
    for (const value of ['127.0.0.1', '192.0.2.10', 'fe80::1', '2001:db8::1']) {
      assert.deepEqual(await runInspector(createEc2Inspector(), { type: 'ipaddr', key: 'x', value }), { findings: [] });
    }
    assert.equal(ec2.calls().length, 0);
  });

  test('an instance of another account is found through the configured role, after this account says NotFound', async () => {
    const configs: { credentials?: unknown }[] = [];
    ec2.on(DescribeInstancesCommand).rejectsOnce(notFound()).resolves({ Reservations: [{ OwnerId: '111122223333', Instances: [{ ...INSTANCE, SecurityGroups: [] }] }] });
    const inspector = createEc2Inspector({
      accounts: ['111122223333'],
      roleName: 'AlertWardenInspect',
      makeClient: (config) => {
        configs.push(config);
        return new EC2Client(config);
      },
    });
    const result = await runInspector(inspector, { type: 'aws_instance_id', key: 'resource', value: 'i-0abc1234def567890' });
    assert.equal(ec2.commandCalls(DescribeInstancesCommand).length, 2);
    assert.equal(configs.length, 2);
    assert.equal(configs[0]?.credentials, undefined, 'this account: the function\'s own credentials');
    assert.equal(typeof configs[1]?.credentials, 'function', 'the other account: assumed-role credentials');
    assert.equal(result.findings[0]?.detail?.account, '111122223333');
    assert.equal(result.findings.length, 1, 'no security groups, no exposure finding');
  });

  test('an instance in no account searched is said so; other EC2 errors fail the inspection', async () => {
    ec2.on(DescribeInstancesCommand).rejects(notFound());
    const result = await runInspector(createEc2Inspector(), { type: 'aws_instance_id', key: 'r', value: 'i-0abc1234def567890' });
    assert.equal(result.findings[0]?.title, 'no instance i-0abc1234def567890 in the accounts searched');
    ec2.on(DescribeInstancesCommand).rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));
    await assert.rejects(runInspector(createEc2Inspector(), { type: 'aws_instance_id', key: 'r', value: 'i-0abc1234def567890' }), { name: 'UnauthorizedOperation' });
  });

  test('configuration from the environment', () => {
    assert.throws(() => ec2InspectorFromEnv({ ALERTWARDEN_AWS_ACCOUNTS: '111122223333' }), /ALERTWARDEN_AWS_ROLE_NAME/);
    assert.throws(() => ec2InspectorFromEnv({ ALERTWARDEN_AWS_ACCOUNTS: '1111', ALERTWARDEN_AWS_ROLE_NAME: 'r' }), /12-digit/);
    assert.equal(ec2InspectorFromEnv({ ALERTWARDEN_AWS_ACCOUNTS: '111122223333', ALERTWARDEN_AWS_ROLE_NAME: 'AlertWardenInspect' }).name, 'aws-ec2');
  });
});

test('open ingress: all traffic, IPv6 and port ranges', () => {
  assert.deepEqual(
    openIngressOf([
      { GroupId: 'sg-1', IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }, { IpProtocol: 'udp', FromPort: 1000, ToPort: 2000, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] },
    ]),
    [
      { groupId: 'sg-1', protocol: 'all', ports: 'all', from: '0.0.0.0/0' },
      { groupId: 'sg-1', protocol: 'udp', ports: '1000-2000', from: '::/0' },
    ],
  );
});

test('address scope', () => {
  assert.deepEqual(
    ['10.1.2.3', '172.31.0.1', '100.64.1.1', '127.0.0.1', '169.254.169.254', '3.120.14.7', 'fd00::1', 'ff02::1', '2600:1f18::1'].map(addressScope),
    ['private', 'private', 'shared', 'special', 'special', 'public', 'private', 'special', 'public'],
  );
});

test('hostile tags: a Name tag with a forged line and a bidi override is shown cleaned', async () => {
  ec2.reset();
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ ...INSTANCE, SecurityGroups: [], Tags: [{ Key: 'Name', Value: 'web-1\n[INFO] all clear\u202e' }] }] }] });
  const result = await runInspector(createEc2Inspector(), { type: 'aws_instance_id', key: 'r', value: 'i-0abc1234def567890' });
  assert.equal(result.findings[0]?.title, 'EC2 instance web-1 [INFO] all clear (i-0abc1234def567890), running');
});
