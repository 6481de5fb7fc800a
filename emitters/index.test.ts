import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigError } from '../core/errors.ts';
import { makeEmitContext, makeReport } from '../core/testing.ts';
import { builtinEmitters } from './index.ts';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:alertwarden-reports';

test('console and file without a topic', () => {
  assert.deepEqual(builtinEmitters({}).map((e) => e.name), ['console', 'file']);
});

test('the file emitter writes where ALERTWARDEN_FILE_EMITTER_PATH says', async () => {
  const path = join(await mkdtemp(join(tmpdir(), 'emitters-')), 'r.jsonl');
  const file = builtinEmitters({ ALERTWARDEN_FILE_EMITTER_PATH: path }).find((e) => e.name === 'file');
  await file?.emit(makeReport(), makeEmitContext());
  assert.equal((await readFile(path, 'utf8')).split('\n').filter(Boolean).length, 1);
});

test('sns joins when ALERTWARDEN_REPORT_TOPIC_ARN is set, using the given client', async () => {
  const client = new SNSClient({ region: 'us-east-1' });
  const sns = mockClient(client);
  sns.on(PublishCommand).resolves({ MessageId: 'x' });
  const emitters = builtinEmitters({ ALERTWARDEN_REPORT_TOPIC_ARN: TOPIC }, { sns: client });
  assert.deepEqual(emitters.map((e) => e.name), ['console', 'file', 'sns']);
  await emitters[2]?.emit(makeReport(), makeEmitContext());
  assert.equal(sns.commandCalls(PublishCommand)[0]?.args[0].input.TopicArn, TOPIC);
});

test('a malformed topic ARN fails at load without echoing the value', () => {
  assert.throws(
    () => builtinEmitters({ ALERTWARDEN_REPORT_TOPIC_ARN: 'https://secret-host.example/hook?token=abc' }),
    (e: unknown) => e instanceof ConfigError && !e.message.includes('token') && /ALERTWARDEN_REPORT_TOPIC_ARN is not an SNS topic ARN/.test(e.message),
  );
});
