/**
 * npm run test:integration — the integration scenarios against a deployed stage.
 *
 *   ALERTWARDEN_STAGE=it AWS_PROFILE=... npm run test:integration
 *
 * Needs the main stack and the tester stack deployed for that stage (tester/README.md) and AWS
 * credentials. Without either, every test is skipped with the reason (exit code 0).
 */
import { describe, test } from 'vitest';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { AwsTarget } from './aws-target.ts';
import { scenarios } from './scenarios.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const stage = process.env.ALERTWARDEN_STAGE?.trim();
const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';

const skipReason = async (): Promise<string | undefined> => {
  if (!stage) return 'ALERTWARDEN_STAGE is not set: name the deployed stage to test (see tester/README.md)';
  try {
    // The SDK's own provider chain (env, profile, SSO, container, instance role), nothing sent to AWS yet.
    await new CloudFormationClient({ region }).config.credentials();
    return undefined;
  } catch (error) {
    return `no AWS credentials for stage ${stage}: ${(error as Error).message}`;
  }
};

const skip = await skipReason();
if (skip) console.log(`# integration tests skipped: ${skip}`);

let target: Promise<AwsTarget> | undefined;
const connect = () => (target ??= AwsTarget.connect({ stage: stage!, region }));
const runId = `it-${Date.now().toString(36)}`;

// Each scenario waits minutes on a deployed stage (aggregation wait, SQS batching): run them together.
describe(`integration scenarios on stage ${stage ?? '(none)'}`, { concurrent: true }, () => {
  for (const scenario of scenarios) {
    test(scenario.name, { skip: skip !== undefined, timeout: 600_000 }, async () => {
      await scenario.run(await connect(), { runId, timeoutMs: 240_000 });
    });
  }
});
