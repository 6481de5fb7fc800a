/**
 * The integration scenarios on the local engine, in `npm test`: proven here before anyone runs
 * them against a deployed stage (`npm run test:integration`, tester/aws.integration.ts).
 */
import { after, before, describe, test } from 'node:test';
import { LocalTarget } from './local-target.ts';
import { scenarios } from './scenarios.ts';

let target: LocalTarget;

before(async () => {
  target = await LocalTarget.start();
});

after(async () => {
  await target?.stop();
});

describe('integration scenarios on the local engine', { concurrency: true }, () => {
  for (const scenario of scenarios) {
    test(scenario.name, () => scenario.run(target, { runId: `local-${process.pid}`, timeoutMs: 20_000 }));
  }
});
