import { createRequire } from 'node:module';
import { expect, test } from 'vitest';

type Resolver = (args: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<unknown>;
const plugins = createRequire(import.meta.url)('./external-plugins.cjs') as { inspectorFunctions: Resolver; reviewerFunctions: Resolver };
const withParams = (params: Record<string, string>) => ({ resolveVariable: async (name: string) => params[name.replace(/^param:/, '')] });

test('the invoke grant lists exactly the configured functions: an ARN as it is, a name in this account and region', async () => {
  const inspectors = JSON.stringify([
    { name: 'whois', accepts: ['domain'], function: 'arn:aws:lambda:eu-west-1:123456789012:function:whois' },
    { name: 'tester', accepts: ['ipaddr'], function: 'alertwarden-tester-it-inspector' },
    { name: 'whois-ip', accepts: ['ipaddr'], function: 'arn:aws:lambda:eu-west-1:123456789012:function:whois' },
  ]);
  expect(await plugins.inspectorFunctions(withParams({ externalInspectors: inspectors }))).toEqual([
    'arn:aws:lambda:eu-west-1:123456789012:function:whois',
    { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:alertwarden-tester-it-inspector' },
  ]);
  expect(await plugins.reviewerFunctions(withParams({ externalReviewer: 'my-reviewer' }))).toEqual([
    { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:my-reviewer' },
  ]);
  // None configured: a placeholder the policy's Condition leaves out of the stack.
  expect(await plugins.inspectorFunctions(withParams({ externalInspectors: '[]' }))).toEqual(['arn:aws:lambda:us-east-1:000000000000:function:alertwarden-no-external-plugin']);
  await expect(plugins.inspectorFunctions(withParams({ externalInspectors: '{"name":1}' }))).rejects.toThrow(/must be a JSON array/);
});
