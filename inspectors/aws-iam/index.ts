/**
 * aws-iam: who is this principal? For an IAM user name, an access key id (AKIA…) or a
 * user/role ARN (an STS assumed-role ARN resolves to its role): the principal, its groups,
 * attached and inline policy names, MFA devices, access keys with age and last use, and
 * whether it can sign in to the console. A key's owner comes back as a `username` attribute
 * so the other inspectors (CloudTrail history, correlation) look at the user too.
 *
 * IAM: iam:GetUser, iam:ListGroupsForUser, iam:ListAttachedUserPolicies, iam:ListUserPolicies,
 * iam:ListMFADevices, iam:ListAccessKeys, iam:GetAccessKeyLastUsed, iam:GetLoginProfile on
 * users; iam:GetRole, iam:ListAttachedRolePolicies, iam:ListRolePolicies on roles.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import { defineInspector, type FindingInput, type InspectionResult, type Inspector } from '../../core/plugins.ts';
import { AwsSessions, awsErrorName, sessionOptionsFromEnv, type AccountTarget, type AwsSessionsOptions, type ClientConfig } from '../aws-common/sessions.ts';

const DAY_MS = 86_400_000;
/** Answers meaning "not in this account": the next configured account may know it. */
const ABSENT = new Set(['NoSuchEntity', 'NoSuchEntityException', 'AccessDenied', 'AccessDeniedException']);

export interface IamInspectorOptions extends AwsSessionsOptions {
  now?: () => number;
  makeClient?: (config: ClientConfig) => IAMClient | Promise<IAMClient>;
}

/** `arn:aws:iam::123456789012:role/path/Name`, `…:user/Name`, `arn:aws:sts::…:assumed-role/Name/session`. */
export const principalOfArn = (arn: string): { kind: 'user' | 'role'; name: string; account: string } | undefined => {
  const m = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(user|role|assumed-role)\/(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, service, account, kind, rest] = m as unknown as [string, string, string, string, string];
  if (kind === 'assumed-role') {
    if (service !== 'sts') return undefined;
    const role = rest.split('/')[0];
    return role ? { kind: 'role', name: role, account } : undefined;
  }
  if (service !== 'iam') return undefined;
  const name = rest.split('/').pop();
  return name ? { kind: kind as 'user' | 'role', name, account } : undefined;
};

const ageDays = (date: Date | undefined, now: number) => (date ? Math.floor((now - date.getTime()) / DAY_MS) : undefined);
const iso = (date: Date | undefined) => date?.toISOString();

/**
 * @example
 * const iam = createIamInspector({ accounts: ['111122223333'], roleName: 'AlertWardenInspect' });
 */
export const createIamInspector = (options: IamInspectorOptions = {}): Inspector => {
  const now = options.now ?? Date.now;
  // IAM is global: the client's region only picks the endpoint.
  // Imported on first use (see ../aws-common/sessions.ts).
  const sdk = () => import('@aws-sdk/client-iam');
  const sessions = new AwsSessions(options.makeClient ?? (async (config) => new (await sdk()).IAMClient(config)), options);

  /** Runs `ask` in each account in turn until one knows the entity; undefined when none does. */
  const inAccounts = async <T>(accounts: AccountTarget[], ask: (client: IAMClient) => Promise<T>): Promise<{ value: T; account: AccountTarget } | undefined> => {
    for (const account of accounts) {
      try {
        return { value: await ask(await sessions.client(account)), account };
      } catch (error) {
        if (!ABSENT.has(awsErrorName(error) ?? '')) throw error;
      }
    }
    return undefined;
  };

  const absentIsUndefined = async <T>(call: Promise<T>): Promise<T | undefined> => {
    try {
      return await call;
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchEntity' || awsErrorName(error) === 'NoSuchEntityException') return undefined;
      throw error;
    }
  };

  const describeUser = async (userName: string, accounts: AccountTarget[], signal: AbortSignal): Promise<FindingInput[]> => {
    const { GetUserCommand, ListGroupsForUserCommand, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand, ListMFADevicesCommand, ListAccessKeysCommand, GetLoginProfileCommand, GetAccessKeyLastUsedCommand } = await sdk();
    const found = await inAccounts(accounts, (client) => client.send(new GetUserCommand({ UserName: userName }), { abortSignal: signal }));
    if (!found?.value.User) return [];
    const user = found.value.User;
    const client = await sessions.client(found.account);
    const [groups, attached, inline, mfa, keys, login] = await Promise.all([
      client.send(new ListGroupsForUserCommand({ UserName: userName }), { abortSignal: signal }),
      client.send(new ListAttachedUserPoliciesCommand({ UserName: userName }), { abortSignal: signal }),
      client.send(new ListUserPoliciesCommand({ UserName: userName }), { abortSignal: signal }),
      client.send(new ListMFADevicesCommand({ UserName: userName }), { abortSignal: signal }),
      client.send(new ListAccessKeysCommand({ UserName: userName }), { abortSignal: signal }),
      absentIsUndefined(client.send(new GetLoginProfileCommand({ UserName: userName }), { abortSignal: signal })),
    ]);
    const accessKeys = await Promise.all(
      (keys.AccessKeyMetadata ?? []).map(async (k) => {
        const used = k.AccessKeyId
          ? await client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId }), { abortSignal: signal })
          : undefined;
        return {
          accessKeyId: k.AccessKeyId,
          status: k.Status,
          createdAt: iso(k.CreateDate),
          ageDays: ageDays(k.CreateDate, now()),
          lastUsedAt: iso(used?.AccessKeyLastUsed?.LastUsedDate),
          lastUsedService: used?.AccessKeyLastUsed?.ServiceName,
          lastUsedRegion: used?.AccessKeyLastUsed?.Region,
        };
      }),
    );
    const consoleAccess = Boolean(login?.LoginProfile);
    const mfaDevices = (mfa.MFADevices ?? []).map((d) => ({ serialNumber: d.SerialNumber, enabledAt: iso(d.EnableDate) }));
    const policies = (attached.AttachedPolicies ?? []).map((p) => p.PolicyName).filter((p): p is string => Boolean(p));
    const groupNames = (groups.Groups ?? []).map((g) => g.GroupName).filter((g): g is string => Boolean(g));
    const findings: FindingInput[] = [
      {
        verdict: 'info',
        title: `IAM user ${userName}: ${groupNames.length ? `groups ${groupNames.join(', ')}` : 'no groups'}, ${policies.length ? `policies ${policies.join(', ')}` : 'no attached policies'}, ${mfaDevices.length ? 'MFA' : 'no MFA'}, ${consoleAccess ? 'console access' : 'no console access'}`,
        source: 'iam:GetUser',
        detail: {
          arn: user.Arn,
          userId: user.UserId,
          createdAt: iso(user.CreateDate),
          passwordLastUsedAt: iso(user.PasswordLastUsed),
          groups: groupNames,
          attachedPolicies: policies,
          inlinePolicies: inline.PolicyNames ?? [],
          mfaDevices,
          consoleAccess,
          accessKeys,
        },
      },
    ];
    if (consoleAccess && mfaDevices.length === 0) {
      findings.push({ verdict: 'suspicious', title: `IAM user ${userName} can sign in to the console without MFA`, source: 'iam:ListMFADevices', detail: { arn: user.Arn } });
    }
    return findings;
  };

  const describeRole = async (roleName: string, accounts: AccountTarget[], signal: AbortSignal): Promise<FindingInput[]> => {
    const { GetRoleCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } = await sdk();
    const found = await inAccounts(accounts, (client) => client.send(new GetRoleCommand({ RoleName: roleName }), { abortSignal: signal }));
    if (!found?.value.Role) return [];
    const role = found.value.Role;
    const client = await sessions.client(found.account);
    const [attached, inline] = await Promise.all([
      client.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }), { abortSignal: signal }),
      client.send(new ListRolePoliciesCommand({ RoleName: roleName }), { abortSignal: signal }),
    ]);
    const policies = (attached.AttachedPolicies ?? []).map((p) => p.PolicyName).filter((p): p is string => Boolean(p));
    // The trust policy comes URL-encoded; who may assume the role is what the analyst needs.
    let trust: unknown;
    try {
      trust = role.AssumeRolePolicyDocument ? JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) : undefined;
    } catch {
      trust = undefined;
    }
    return [
      {
        verdict: 'info',
        title: `IAM role ${roleName}: ${policies.length ? `policies ${policies.join(', ')}` : 'no attached policies'}${role.RoleLastUsed?.LastUsedDate ? `, last used ${iso(role.RoleLastUsed.LastUsedDate)}` : ''}`,
        source: 'iam:GetRole',
        detail: {
          arn: role.Arn,
          roleId: role.RoleId,
          createdAt: iso(role.CreateDate),
          lastUsedAt: iso(role.RoleLastUsed?.LastUsedDate),
          lastUsedRegion: role.RoleLastUsed?.Region,
          attachedPolicies: policies,
          inlinePolicies: inline.PolicyNames ?? [],
          ...(trust !== undefined ? { trustPolicy: trust } : {}),
        },
      },
    ];
  };

  const describeKey = async (accessKeyId: string, signal: AbortSignal): Promise<InspectionResult> => {
    if (!accessKeyId.startsWith('AKIA')) {
      // ASIA… keys are STS session credentials: no IAM record; CloudTrail history says whose they are.
      return { findings: [{ verdict: 'info', title: `${accessKeyId} is a temporary (STS) access key`, source: 'aws-iam' }] };
    }
    const { GetAccessKeyLastUsedCommand, ListAccessKeysCommand } = await sdk();
    const found = await inAccounts(sessions.targets(), (client) => client.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }), { abortSignal: signal }));
    const owner = found?.value.UserName;
    if (!owner) return { findings: [{ verdict: 'info', title: `access key ${accessKeyId} belongs to no IAM user in the accounts searched`, source: 'iam:GetAccessKeyLastUsed' }] };
    const keys = await (await sessions.client(found.account)).send(new ListAccessKeysCommand({ UserName: owner }), { abortSignal: signal });
    const key = keys.AccessKeyMetadata?.find((k) => k.AccessKeyId === accessKeyId);
    const lastUsed = found.value.AccessKeyLastUsed;
    const age = ageDays(key?.CreateDate, now());
    return {
      findings: [
        {
          verdict: 'info',
          title: `access key ${accessKeyId} of IAM user ${owner}: ${key?.Status ?? 'status unknown'}${age !== undefined ? `, ${age} days old` : ''}, ${lastUsed?.LastUsedDate ? `last used ${iso(lastUsed.LastUsedDate)} (${lastUsed.ServiceName}, ${lastUsed.Region})` : 'never used'}`,
          source: 'iam:GetAccessKeyLastUsed',
          detail: {
            userName: owner,
            status: key?.Status,
            createdAt: iso(key?.CreateDate),
            ageDays: age,
            lastUsedAt: iso(lastUsed?.LastUsedDate),
            lastUsedService: lastUsed?.ServiceName,
            lastUsedRegion: lastUsed?.Region,
          },
        },
      ],
      newAttributes: [{ type: 'username', key: `owner of ${accessKeyId}`, value: owner, context: ['subject'] }],
    };
  };

  return defineInspector({
    name: 'aws-iam',
    accepts: ['username', 'aws_access_key_id', 'aws_arn'],
    async inspect(attribute, ctx) {
      if (attribute.type === 'aws_access_key_id') return describeKey(attribute.value, ctx.signal);
      if (attribute.type === 'username') {
        // IAM user names are [\w+=,.@-]{1,64}; anything else (an OS account like "EC2AMAZ\\admin") is not one.
        if (!/^[\w+=,.@-]{1,64}$/.test(attribute.value)) return { findings: [] };
        return { findings: await describeUser(attribute.value, sessions.targets(), ctx.signal) };
      }
      const principal = principalOfArn(attribute.value);
      if (!principal) return { findings: [] };
      // The ARN says which account to ask: a configured one through the role, otherwise this one.
      const accounts: AccountTarget[] = sessions.reaches(principal.account) ? [principal.account] : [undefined];
      const findings = principal.kind === 'user' ? await describeUser(principal.name, accounts, ctx.signal) : await describeRole(principal.name, accounts, ctx.signal);
      return { findings };
    },
  });
};

/** ALERTWARDEN_AWS_ACCOUNTS, ALERTWARDEN_AWS_ROLE_NAME and the function's AWS_REGION. */
export const iamInspectorFromEnv = (env: Record<string, string | undefined>): Inspector => createIamInspector(sessionOptionsFromEnv(env));
