import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '../../core/errors.ts';
import { makeAttribute, runInspector } from '../../core/testing.ts';
import type { PluginLogger } from '../../core/plugins.ts';
import { BlocklistSyntaxError, blocklistFromEnv, createBlocklistInspector } from './index.ts';

const SAMPLE = fileURLToPath(new URL('../../examples/blocklists/known-bad.txt', import.meta.url));
/** Enough of an SDK stream for transformToString(). */
const s3Body = (text: string) => ({ transformToString: async () => text }) as never;

describe('blocklist inspector', () => {
  test('reports a malicious finding naming the list and the matched entry', async () => {
    const inspector = createBlocklistInspector({ sources: [SAMPLE] });
    const result = await runInspector(inspector, { type: 'ipaddr', key: 'src', value: '203.0.113.9' });
    assert.deepEqual(result.findings, [
      {
        verdict: 'malicious',
        title: 'listed in known-bad',
        source: 'known-bad',
        detail: { list: 'known-bad', entry: '203.0.113.0/24', line: 5 },
      },
    ]);
  });

  test('URL findings also say which host matched', async () => {
    const inspector = createBlocklistInspector({ sources: [`sample=${SAMPLE}`] });
    const result = await runInspector(inspector, { type: 'url', key: 'link', value: 'https://login.EVIL.example/x' });
    assert.deepEqual(result.findings[0]?.detail, { list: 'sample', entry: 'evil.example', line: 9, host: 'login.evil.example' });
  });

  test('finds nothing for clean values', async () => {
    const inspector = createBlocklistInspector({ sources: [SAMPLE] });
    for (const [type, value] of [['ipaddr', '192.0.2.1'], ['domain', 'good.example'], ['url', 'https://good.example/']] as const) {
      assert.deepEqual((await runInspector(inspector, { type, key: 'k', value })).findings, [], value);
    }
  });

  test('refuses duplicate list names and bad sources at creation', () => {
    assert.throws(() => createBlocklistInspector({ sources: ['a/x.txt', 'b/x.txt'] }), /two blocklists are named x/);
    assert.throws(() => createBlocklistInspector({ sources: ['s3://nokey'] }), ConfigError);
  });

  test('a malformed list fails the inspection with file and line', async () => {
    const s3 = new S3Client({ region: 'us-east-1' });
    mockClient(s3).on(GetObjectCommand).resolves({ Body: s3Body('evil.example\n10.0.0.0/40\n') });
    const inspector = createBlocklistInspector({ sources: ['s3://intel/bad.txt'], s3 });
    await assert.rejects(runInspector(inspector, { type: 'ipaddr', key: 'k', value: '10.0.0.1' }), (error: unknown) => {
      assert.ok(error instanceof BlocklistSyntaxError);
      assert.equal(error.message, 's3://intel/bad.txt:2: "10.0.0.0/40" is not a valid CIDR');
      return true;
    });
  });
});

describe('blocklist cache', () => {
  const setup = (bodies: Array<string | Error>) => {
    const s3 = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(s3);
    let stub = mock.on(GetObjectCommand);
    for (const body of bodies) stub = body instanceof Error ? stub.rejectsOnce(body) : stub.resolvesOnce({ Body: s3Body(body) });
    const clock = { t: 0 };
    const warnings: string[] = [];
    const logger: PluginLogger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
    const inspector = createBlocklistInspector({ sources: ['s3://intel/list.txt'], s3, now: () => clock.t, cacheTtlMs: 1000 });
    const inspect = async (value: string) =>
      (await inspector.inspect(makeAttribute({ value }), { reportId: 'r', signal: new AbortController().signal, logger })).findings.length;
    return { mock, clock, warnings, inspect };
  };

  test('loads once for concurrent inspections and again after the TTL', async () => {
    const { mock, clock, inspect } = setup(['198.51.100.7\n', '203.0.113.9\n']);
    assert.deepEqual(await Promise.all([inspect('198.51.100.7'), inspect('198.51.100.7'), inspect('203.0.113.9')]), [1, 1, 0]);
    clock.t = 999;
    assert.equal(await inspect('203.0.113.9'), 0);
    assert.equal(mock.commandCalls(GetObjectCommand).length, 1);
    clock.t = 1000;
    assert.equal(await inspect('203.0.113.9'), 1, 'the updated list is used');
    assert.equal(mock.commandCalls(GetObjectCommand).length, 2);
  });

  test('a failed first load is retried on the next inspection', async () => {
    const { inspect } = setup([new Error('throttled'), '198.51.100.7\n']);
    await assert.rejects(inspect('198.51.100.7'), /cannot read blocklist list from s3:\/\/intel\/list\.txt: throttled/);
    assert.equal(await inspect('198.51.100.7'), 1);
  });

  test('a failed refresh keeps the earlier lists and warns', async () => {
    const { mock, clock, warnings, inspect } = setup(['198.51.100.7\n', new Error('throttled'), '203.0.113.9\n']);
    assert.equal(await inspect('198.51.100.7'), 1);
    clock.t = 5000;
    assert.equal(await inspect('198.51.100.7'), 1);
    assert.deepEqual(warnings, ['blocklist refresh failed; keeping the lists loaded earlier']);
    assert.equal(await inspect('198.51.100.7'), 1, 'no retry before another TTL');
    assert.equal(mock.commandCalls(GetObjectCommand).length, 2);
    clock.t = 6000;
    assert.equal(await inspect('203.0.113.9'), 1);
  });
});

describe('blocklistFromEnv', () => {
  test('reads comma-separated sources', async () => {
    const inspector = blocklistFromEnv({ ALERTWARDEN_BLOCKLISTS: ` ${SAMPLE} , extra=${SAMPLE},` });
    const result = await runInspector(inspector, { type: 'domain', key: 'd', value: 'bad.example.net' });
    assert.deepEqual(result.findings.map((f) => f.source), ['known-bad', 'extra']);
  });

  test('unset or empty gives an inspector that finds nothing', async () => {
    for (const env of [{}, { ALERTWARDEN_BLOCKLISTS: ' ' }]) {
      const inspector = blocklistFromEnv(env);
      assert.equal(inspector.name, 'blocklist');
      assert.deepEqual((await runInspector(inspector, { type: 'ipaddr', key: 'k', value: '203.0.113.9' })).findings, []);
    }
  });
});
