/** The one price list (prices.json), checked on load so a typo fails loudly instead of pricing at $0. */
import { readFileSync } from 'node:fs';
import * as z from 'zod';

const usd = z.number().nonnegative();
const PricesSchema = z.object({
  region: z.string(),
  currency: z.literal('USD'),
  checked: z.iso.date(),
  prices: z.object({
    stepFunctions: z.object({
      standardPerTransition: usd,
      expressPerRequest: usd,
      expressPerGbSecond: usd,
      expressBillingIncrementMs: z.number().positive(),
      expressBillingMemoryMb: z.number().positive(),
      source: z.string().min(1),
    }),
    lambda: z.object({ perRequest: usd, perGbSecondArm64: usd, perGbSecondX86: usd, billingIncrementMs: z.number().positive(), source: z.string().min(1) }),
    dynamodb: z.object({ perWriteRequestUnit: usd, perReadRequestUnit: usd, source: z.string().min(1) }),
    s3: z.object({ perPutRequest: usd, perGetRequest: usd, source: z.string().min(1) }),
    sns: z.object({ perPublishRequest: usd, deliveryToSqsOrLambda: usd, source: z.string().min(1) }),
    sqs: z.object({ perRequest: usd, source: z.string().min(1) }),
    kms: z.object({ perCustomerManagedKeyMonth: usd, source: z.string().min(1) }),
    cloudwatch: z.object({ perStandardAlarmMonth: usd, source: z.string().min(1) }),
  }),
  assumptions: z.object({
    sqsIdlePollersPerQueue: z.number().positive(),
    sqsLongPollSeconds: z.number().positive(),
    awsInvokeOverheadMsPerTask: z.number().nonnegative(),
    deepalertLambdaMs: z.number().positive(),
    deepalertLambdaMemoryMb: z.number().positive(),
    deepalertLambdaArchitecture: z.enum(['x86_64', 'arm64']),
    secondsPerMonth: z.number().positive(),
  }).loose(),
}).loose();

export type PriceList = z.output<typeof PricesSchema>;

export const PRICES_FILE = new URL('./prices.json', import.meta.url);

export const loadPrices = (path: URL | string = PRICES_FILE): PriceList => {
  const parsed = PricesSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${String(path)}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
};
