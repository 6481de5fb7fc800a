import { readFile } from 'node:fs/promises';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { InProcessFunctionInvoker, LambdaFunctionInvoker } from '../adapters/lambda-invoker.ts';
import { ConfigError } from './errors.ts';
import {
  contractJsonSchemas,
  ExternalPluginError,
  externalInspector,
  externalInspectorSpecsFrom,
  externalReviewer,
  externalReviewerArnFrom,
  InspectorRequestSchema,
  ReviewerRequestSchema,
  type FunctionInvoker,
} from './external-plugins.ts';
import { makeReport, runInspector, silentLogger } from './testing.ts';

const ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:whois';

describe('configuration', () => {
  test('external inspectors: JSON, each field checked by path; a reviewer by ARN or name', () => {
    const env = { ALERTWARDEN_EXTERNAL_INSPECTORS: JSON.stringify([{ name: 'whois', accepts: ['domain'], function: ARN }]) };
    expect(externalInspectorSpecsFrom(env)).toEqual([{ name: 'whois', accepts: ['domain'], function: ARN }]);
    expect(externalInspectorSpecsFrom({})).toEqual([]);
    expect(() => externalInspectorSpecsFrom({ ALERTWARDEN_EXTERNAL_INSPECTORS: '[{' })).toThrow(/ALERTWARDEN_EXTERNAL_INSPECTORS is not JSON/);
    expect(() =>
      externalInspectorSpecsFrom({ ALERTWARDEN_EXTERNAL_INSPECTORS: JSON.stringify([{ name: 'x', accepts: ['phone'], function: 'arn:aws:s3:::bucket' }]) }),
    ).toThrow(/\[0\]\.accepts\[0\]: .*\[0\]\.function: function must be a Lambda function ARN or name/s);
    expect(() =>
      externalInspectorSpecsFrom({ ALERTWARDEN_EXTERNAL_INSPECTORS: JSON.stringify([{ name: 'a', accepts: ['domain'], function: 'f' }, { name: 'a', accepts: ['url'], function: 'g' }]) }),
    ).toThrow(/inspector "a" is named twice/);
    expect(externalReviewerArnFrom({ ALERTWARDEN_EXTERNAL_REVIEWER: 'my-reviewer' })).toBe('my-reviewer');
    expect(() => externalReviewerArnFrom({ ALERTWARDEN_EXTERNAL_REVIEWER: 'arn:aws:iam::123456789012:role/x' })).toThrow(ConfigError);
  });

  test('the published JSON Schemas are the ones the code checks with (npm run schema writes them)', async () => {
    for (const [file, schema] of Object.entries(contractJsonSchemas())) {
      const committed: unknown = JSON.parse(await readFile(new URL(`./schemas/${file}`, import.meta.url), 'utf8'));
      expect(committed, file).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });
});

/**
 * One contract, two adapters: Lambda (through the SDK, the service mocked to run the same
 * function) and the local runtime's in-process functions.
 */
const FUNCTIONS = {
  echo: (payload: unknown) => ({ findings: [{ verdict: 'info', title: `saw ${JSON.stringify(payload).length} bytes` }] }),
  boom: () => {
    throw Object.assign(new Error('feed unavailable'), { name: 'FeedError' });
  },
};

const lambdaMock = mockClient(LambdaClient);
// Class-wide: restored, so no later file in a shared worker (vitest.config.ts) gets it.
afterAll(() => lambdaMock.restore());
const adapters: [string, () => FunctionInvoker][] = [
  ['in-process', () => new InProcessFunctionInvoker(new Map(Object.entries(FUNCTIONS)))],
  [
    'Lambda',
    () => {
      lambdaMock.on(InvokeCommand).callsFake(async (input: { FunctionName: keyof typeof FUNCTIONS | string; Payload: Uint8Array }) => {
        const fn = FUNCTIONS[input.FunctionName as keyof typeof FUNCTIONS];
        if (!fn) throw Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' });
        const payload: unknown = JSON.parse(new TextDecoder().decode(input.Payload));
        try {
          return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(fn(payload as never))) };
        } catch (error) {
          const e = error as Error;
          return { StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify({ errorType: e.name, errorMessage: e.message })) };
        }
      });
      return new LambdaFunctionInvoker(async () => new LambdaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } }));
    },
  ],
];

describe.each(adapters)('function invoker contract: %s', (_, make) => {
  beforeEach(() => lambdaMock.reset());

  test('the request arrives as the published inspector contract and the answer comes back as JSON', async () => {
    const seen: unknown[] = [];
    const invoker = make();
    const recording: FunctionInvoker = { invoke: (fn, payload, signal) => (seen.push(payload), invoker.invoke(fn, payload, signal)) };
    const inspector = externalInspector({ name: 'whois', accepts: ['domain'], function: 'echo' }, recording);
    const result = await runInspector(inspector, { type: 'domain', key: 'q', value: 'evil.example' });
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]!.title).toMatch(/^saw \d+ bytes$/);
    expect(InspectorRequestSchema.safeParse(seen[0]).success).toBe(true);
  });

  test('a function that throws is an ExternalPluginError naming the function and its error', async () => {
    await expect(make().invoke('boom', {})).rejects.toThrow(ExternalPluginError);
    await expect(make().invoke('boom', {})).rejects.toThrow(/boom: FeedError: feed unavailable/);
  });

  test('a missing function fails loudly', async () => {
    await expect(make().invoke('nope', {})).rejects.toThrow(/nope|Function not found/);
  });
});

test('the external reviewer sends the report in the published reviewer contract', async () => {
  let request: unknown;
  const reviewer = externalReviewer('reviewer', { invoke: async (_fn, payload) => ((request = payload), { severity: 'high', reason: 'their call' }) });
  const verdict = await reviewer.review(makeReport(), { phase: 'final', logger: silentLogger });
  expect(verdict).toEqual({ severity: 'high', reason: 'their call' });
  expect(ReviewerRequestSchema.safeParse(request).success).toBe(true);
});
