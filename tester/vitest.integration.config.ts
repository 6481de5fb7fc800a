// npm run test:integration: the shared scenarios against a deployed stage (tester/aws.integration.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['tester/aws.integration.ts'], testTimeout: 600_000, hookTimeout: 120_000 },
});
