/**
 * The integration scenarios on the local engine, in `npm test`: proven here before anyone runs
 * them against a deployed stage (`npm run test:integration`, tester/aws.integration.ts).
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { LocalTarget } from './local-target.ts';
import { scenarios } from './scenarios.ts';

let target: LocalTarget;

beforeAll(async () => {
  target = await LocalTarget.start();
});

afterAll(async () => {
  await target?.stop();
});

describe('integration scenarios on the local engine', { concurrent: true }, () => {
  for (const scenario of scenarios) {
    test(scenario.name, () => scenario.run(target, { runId: `local-${process.pid}`, timeoutMs: 20_000 }));
  }
});
