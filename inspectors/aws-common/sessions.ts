/**
 * AWS clients for the AWS-context inspectors (aws-ec2, aws-iam, aws-cloudtrail-history):
 * created on first use, one per account, and for another account signed with credentials of a
 * role assumed there (STS AssumeRole on `arn:<partition>:iam::<account>:role/<roleName>`).
 *
 * SDK modules are imported on first use, not at load: @aws-sdk/client-ec2 alone takes seconds
 * to import on a loaded machine, and every function and CLI start builds the inspector list.
 *
 * Configuration (Lambda env, serverless.yml params):
 *   ALERTWARDEN_AWS_ACCOUNTS   comma-separated account ids to look in besides this one
 *   ALERTWARDEN_AWS_ROLE_NAME  the role to assume in each of them (same name everywhere)
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { ConfigError } from '../../core/errors.ts';

export const AWS_ACCOUNTS_ENV = 'ALERTWARDEN_AWS_ACCOUNTS';
export const AWS_ROLE_NAME_ENV = 'ALERTWARDEN_AWS_ROLE_NAME';

/** Credentials are renewed this long before they expire, so no call is signed with a dying token. */
const RENEW_BEFORE_MS = 5 * 60_000;
const SESSION_SECONDS = 900;

/** The shape every SDK v3 client accepts from a credentials provider. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export interface ClientConfig {
  region?: string;
  credentials?: () => Promise<AwsCredentialIdentity>;
}

export interface AwsSessionsOptions {
  region?: string;
  /** Other accounts to look in, in order, after this one. */
  accounts?: readonly string[];
  roleName?: string;
  now?: () => number;
}

/** Where an answer came from: this account (`undefined`) or one reached through the role. */
export type AccountTarget = string | undefined;

const partitionOf = (region: string | undefined) =>
  region?.startsWith('cn-') ? 'aws-cn' : region?.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';

/**
 * @example
 * const ec2 = new AwsSessions(async (config) => new (await import('@aws-sdk/client-ec2')).EC2Client(config), { accounts: ['111122223333'], roleName: 'AlertWardenInspect' });
 * for (const account of ec2.targets()) await (await ec2.client(account)).send(new DescribeInstancesCommand({ InstanceIds: [id] }));
 */
export class AwsSessions<C> {
  private readonly clients = new Map<string, Promise<C>>();
  private sts: STSClient | undefined;
  private readonly region: string | undefined;
  private readonly accounts: readonly string[];
  private readonly roleName: string | undefined;
  private readonly now: () => number;

  constructor(
    private readonly make: (config: ClientConfig) => C | Promise<C>,
    options: AwsSessionsOptions = {},
  ) {
    this.region = options.region;
    this.accounts = options.accounts ?? [];
    this.roleName = options.roleName;
    this.now = options.now ?? Date.now;
    for (const account of this.accounts) {
      if (!/^\d{12}$/.test(account)) throw new ConfigError(`${AWS_ACCOUNTS_ENV}: ${JSON.stringify(account)} is not a 12-digit account id`);
    }
    if (this.accounts.length > 0 && !this.roleName) {
      throw new ConfigError(`${AWS_ACCOUNTS_ENV} names other accounts but ${AWS_ROLE_NAME_ENV} (the role to assume there) is not set`);
    }
    if (this.roleName !== undefined && !/^[\w+=,.@/-]{1,64}$/.test(this.roleName)) {
      throw new ConfigError(`${AWS_ROLE_NAME_ENV}: ${JSON.stringify(this.roleName)} is not an IAM role name`);
    }
  }

  /** This account first, then the configured ones. */
  targets(): AccountTarget[] {
    return [undefined, ...this.accounts];
  }

  /** Whether `account` is one the role may be assumed in (an ARN's account decides where to ask). */
  reaches(account: string): boolean {
    return this.accounts.includes(account);
  }

  client(account: AccountTarget): Promise<C> {
    const key = account ?? 'self';
    let client = this.clients.get(key);
    if (!client) {
      client = Promise.resolve(
        this.make({
          ...(this.region ? { region: this.region } : {}),
          ...(account ? { credentials: this.assumedRole(account) } : {}),
        }),
      );
      this.clients.set(key, client);
    }
    return client;
  }

  private assumedRole(account: string): () => Promise<AwsCredentialIdentity> {
    let cached: AwsCredentialIdentity | undefined;
    return async () => {
      if (cached?.expiration && cached.expiration.getTime() - this.now() > RENEW_BEFORE_MS) return cached;
      const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
      this.sts ??= new STSClient(this.region ? { region: this.region } : {});
      const result = await this.sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:${partitionOf(this.region)}:iam::${account}:role/${this.roleName}`,
          RoleSessionName: 'alertwarden-inspect',
          DurationSeconds: SESSION_SECONDS,
        }),
      );
      const c = result.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new ConfigError(`AssumeRole into ${account} returned no credentials`);
      cached = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
      return cached;
    };
  }
}

const csv = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Options from ALERTWARDEN_AWS_ACCOUNTS / ALERTWARDEN_AWS_ROLE_NAME and the function's region. */
export const sessionOptionsFromEnv = (env: Record<string, string | undefined>): AwsSessionsOptions => {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const roleName = env[AWS_ROLE_NAME_ENV]?.trim();
  return { ...(region ? { region } : {}), accounts: csv(env[AWS_ACCOUNTS_ENV]), ...(roleName ? { roleName } : {}) };
};

/** The name an AWS SDK error carries (`InvalidInstanceID.NotFound`, `NoSuchEntity`). */
export const awsErrorName = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : undefined;
