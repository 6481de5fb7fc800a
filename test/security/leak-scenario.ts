/**
 * Child process of secret-leak.test.ts: a whole local run at DEBUG log level whose webhook
 * emitter reads its token from SSM (a loopback SSM, through the real SsmSecretReader) and
 * uses it. Logs go to this process's stdout/stderr, which the parent captures; everything
 * stored (DynamoDB items, S3 objects) is dumped to a file for the parent to scan as well.
 *
 *   node --import tsx test/security/leak-scenario.ts OUT_DIR   (env LEAK=1: the emitter logs its token)
 */
import { writeFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { defineEmitter } from '../../core/plugins.ts';
import { LocalRuntime } from '../../local/runtime.ts';
import { startFakeSsm } from '../support/fake-services.ts';

export const TOKEN_PARAMETER = '/alertwarden/test/webhook-token';

const outDir = process.argv[2]!;
const { secret } = JSON.parse(await readFile(join(outDir, 'fixture.json'), 'utf8')) as { secret: string };
const ssm = await startFakeSsm({ [TOKEN_PARAMETER]: secret });

// The destination: refuses the first request (so failure paths run too), then wants the token.
let requests = 0;
let authorized = 0;
const webhook = createServer((req, res) => {
  requests++;
  req.resume();
  const ok = requests > 1 && req.headers.authorization === `Bearer ${secret}`;
  if (ok) authorized++;
  res.statusCode = ok ? 204 : 401;
  res.end();
});
await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;

const webhookEmitter = defineEmitter({
  name: 'webhook',
  async emit(report, ctx) {
    const token = await ctx.secrets.read(TOKEN_PARAMETER);
    if (process.env.LEAK === '1') ctx.logger.debug('calling webhook', { token });
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: report.id, severity: report.verdict?.severity }),
    });
    ctx.logger.debug('webhook answered', { reportId: report.id, status: response.status });
    if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    return { status: 'delivered', detail: `HTTP ${response.status}` };
  },
});

const runtime = await LocalRuntime.start({
  env: {
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    ALERTWARDEN_AGGREGATION_DELAY_SECONDS: '0',
    ALERTWARDEN_BLOCKLISTS: 'examples/blocklists/known-bad.txt',
    ALERTWARDEN_EMITTERS: 'file,console,webhook',
    ALERTWARDEN_FILE_EMITTER_PATH: join(outDir, 'reports.jsonl'),
  },
  extraEmitters: [webhookEmitter],
});
try {
  await runtime.publish([
    JSON.stringify({ detector: 'leak', rule_id: 'tor-contact', alert_key: 'urgent', attributes: [{ type: 'ipaddr', key: 'src', value: '203.0.113.9' }] }),
    JSON.stringify({ detector: 'leak', rule_id: 'quiet', alert_key: 'calm' }),
    '{"detector": "leak", "rule_id": 42}',
  ]);
  await runtime.drain();
  const doc = DynamoDBDocumentClient.from(runtime.clients.dynamodb);
  const items = (await doc.send(new ScanCommand({ TableName: runtime.deps.config.tableName }))).Items ?? [];
  const bucket = runtime.deps.config.bucketName;
  const objects = (await runtime.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? [];
  const bodies = await Promise.all(
    objects.map(async (o) => (await runtime.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString()),
  );
  await writeFile(join(outDir, 'stored.txt'), [...items.map((i) => JSON.stringify(i)), ...bodies].join('\n'));
  const views = await runtime.reports();
  await writeFile(
    join(outDir, 'result.json'),
    JSON.stringify({ authorized, requests, ssmCalls: ssm.requests.length, reports: views.length, storedItems: items.length, storedObjects: objects.length }),
  );
} finally {
  await runtime.stop();
  await ssm.close();
  webhook.close();
}
