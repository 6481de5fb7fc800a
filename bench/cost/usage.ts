/**
 * A bill of quantities (what a run used, in the units AWS bills) and its price. The same model
 * prices AlertWarden's measured usage and deepalert's modeled usage.
 */
import type { PriceList } from './prices.ts';

export type Architecture = 'arm64' | 'x86_64';

export interface LambdaUsage {
  requests: number;
  /** Sum over invocations of billed duration (rounded up per invocation) x configured memory. */
  gbSeconds: number;
  architecture: Architecture;
}

export interface Usage {
  standardTransitions: number;
  expressRequests: number;
  /** Billed: per execution, duration rounded up to the increment, memory in 64 MB chunks. */
  expressGbSeconds: number;
  /** Per function. */
  lambda: Record<string, LambdaUsage>;
  dynamodbWru: number;
  dynamodbRru: number;
  s3Put: number;
  s3Get: number;
  snsPublish: number;
  sqsRequests: number;
}

export const emptyUsage = (): Usage => ({
  standardTransitions: 0,
  expressRequests: 0,
  expressGbSeconds: 0,
  lambda: {},
  dynamodbWru: 0,
  dynamodbRru: 0,
  s3Put: 0,
  s3Get: 0,
  snsPublish: 0,
  sqsRequests: 0,
});

const NUMERIC = ['standardTransitions', 'expressRequests', 'expressGbSeconds', 'dynamodbWru', 'dynamodbRru', 's3Put', 's3Get', 'snsPublish', 'sqsRequests'] as const;

/** Every quantity times `factor` (extrapolation from a sample). */
export const scaleUsage = (u: Usage, factor: number): Usage => {
  const out = { ...u, lambda: {} as Record<string, LambdaUsage> };
  for (const k of NUMERIC) out[k] = u[k] * factor;
  for (const [name, l] of Object.entries(u.lambda)) out.lambda[name] = { ...l, requests: l.requests * factor, gbSeconds: l.gbSeconds * factor };
  return out;
};

export const lambdaRequests = (u: Usage): number => Object.values(u.lambda).reduce((n, l) => n + l.requests, 0);
export const lambdaGbSeconds = (u: Usage): number => Object.values(u.lambda).reduce((n, l) => n + l.gbSeconds, 0);

export interface LineItem {
  service: string;
  quantity: string;
  usd: number;
}

const fmtCount = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n.toFixed(2)).toString());

export const priceUsage = (u: Usage, p: PriceList): LineItem[] => {
  const { stepFunctions: sf, lambda, dynamodb, s3, sns, sqs } = p.prices;
  const lambdaDuration = Object.values(u.lambda).reduce(
    (usd, l) => usd + l.gbSeconds * (l.architecture === 'arm64' ? lambda.perGbSecondArm64 : lambda.perGbSecondX86),
    0,
  );
  return [
    { service: 'Step Functions Standard', quantity: `${fmtCount(u.standardTransitions)} transitions`, usd: u.standardTransitions * sf.standardPerTransition },
    {
      service: 'Step Functions Express',
      quantity: `${fmtCount(u.expressRequests)} req, ${fmtCount(u.expressGbSeconds)} GB-s`,
      usd: u.expressRequests * sf.expressPerRequest + u.expressGbSeconds * sf.expressPerGbSecond,
    },
    { service: 'Lambda requests', quantity: `${fmtCount(lambdaRequests(u))} invocations`, usd: lambdaRequests(u) * lambda.perRequest },
    { service: 'Lambda duration', quantity: `${fmtCount(lambdaGbSeconds(u))} GB-s`, usd: lambdaDuration },
    { service: 'DynamoDB writes', quantity: `${fmtCount(u.dynamodbWru)} WRU`, usd: u.dynamodbWru * dynamodb.perWriteRequestUnit },
    { service: 'DynamoDB reads', quantity: `${fmtCount(u.dynamodbRru)} RRU`, usd: u.dynamodbRru * dynamodb.perReadRequestUnit },
    { service: 'S3 requests', quantity: `${fmtCount(u.s3Put)} PUT, ${fmtCount(u.s3Get)} GET`, usd: u.s3Put * s3.perPutRequest + u.s3Get * s3.perGetRequest },
    { service: 'SNS publishes', quantity: `${fmtCount(u.snsPublish)} requests`, usd: u.snsPublish * sns.perPublishRequest },
    { service: 'SQS requests', quantity: `${fmtCount(u.sqsRequests)} requests`, usd: u.sqsRequests * sqs.perRequest },
  ];
};

export const totalUsd = (items: readonly LineItem[]): number => items.reduce((n, i) => n + i.usd, 0);

/** Monthly charges that do not depend on traffic: customer-managed keys, alarms, idle queue polling. */
export interface FixedResources {
  kmsKeys: number;
  alarms: number;
  /** Queues with a Lambda event source mapping (each long-polls even when idle). */
  polledQueues: number;
}

export const priceFixedMonthly = (f: FixedResources, p: PriceList): LineItem[] => {
  const a = p.assumptions;
  const idleReceives = f.polledQueues * a.sqsIdlePollersPerQueue * (a.secondsPerMonth / a.sqsLongPollSeconds);
  return [
    { service: 'KMS customer-managed keys', quantity: `${f.kmsKeys}`, usd: f.kmsKeys * p.prices.kms.perCustomerManagedKeyMonth },
    { service: 'CloudWatch alarms', quantity: `${f.alarms}`, usd: f.alarms * p.prices.cloudwatch.perStandardAlarmMonth },
    { service: 'SQS idle long polls', quantity: `${fmtCount(idleReceives)} receives (${f.polledQueues} queues)`, usd: idleReceives * p.prices.sqs.perRequest },
  ];
};
