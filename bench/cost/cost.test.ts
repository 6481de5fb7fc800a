/**
 * The cost model: pricing arithmetic, deepalert's counts on a workload worked by hand, the
 * serverless.yml reader, DynamoDB item sizes against dynalite's own capacity accounting, and the
 * meter on a real local run (one alert).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'vitest';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { PIPELINE_DEFINITION, ROUND_DEFINITION } from '../../local/engine.ts';
import { startLocalServers } from '../../local/servers.ts';
import { compare } from './compare.ts';
import { deepalertUsage, type Workload } from './deepalert.ts';
import { functionKeyOf, readFixedResources, readFunctionConfigs } from './deployment.ts';
import { itemSizeBytes, lambdaTasksOf } from './meter.ts';
import { loadPrices } from './prices.ts';
import { singleAlert } from './scenarios.ts';
import { emptyUsage, lambdaRequests, priceFixedMonthly, priceUsage, scaleUsage, totalUsd, type Usage } from './usage.ts';

const prices = loadPrices();
const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} != ${b}`);

describe('prices and pricing', () => {
  test('prices.json carries its date, region and a source for every service', () => {
    assert.equal(prices.region, 'us-east-1');
    assert.match(prices.checked, /^\d{4}-\d{2}-\d{2}$/);
    for (const [service, p] of Object.entries(prices.prices)) assert.ok((p as { source: string }).source.length > 20, `${service} has no source`);
  });

  test('one million of each unit costs the list price', () => {
    const u: Usage = {
      ...emptyUsage(),
      standardTransitions: 1e6,
      expressRequests: 1e6,
      lambda: { f: { requests: 1e6, gbSeconds: 1e6, architecture: 'arm64' }, g: { requests: 0, gbSeconds: 1e6, architecture: 'x86_64' } },
      dynamodbWru: 1e6,
      dynamodbRru: 1e6,
      s3Put: 1000,
      s3Get: 1000,
      snsPublish: 1e6,
      sqsRequests: 1e6,
    };
    const byService = Object.fromEntries(priceUsage(u, prices).map((l) => [l.service, l.usd]));
    close(byService['Step Functions Standard']!, 25, 'Standard');
    close(byService['Step Functions Express']!, 1, 'Express requests');
    close(byService['Lambda requests']!, 0.2, 'Lambda requests');
    close(byService['Lambda duration']!, 13.3334 + 16.6667, 'Lambda GB-s (arm64 + x86)');
    close(byService['DynamoDB writes']!, 0.625, 'WRU');
    close(byService['DynamoDB reads']!, 0.125, 'RRU');
    close(byService['S3 requests']!, 0.005 + 0.0004, 'S3');
    close(byService['SNS publishes']!, 0.5, 'SNS');
    close(byService['SQS requests']!, 0.4, 'SQS');
  });

  test('scaling multiplies every quantity; fixed charges price keys, alarms and idle polling', () => {
    const u: Usage = { ...emptyUsage(), standardTransitions: 3, dynamodbWru: 2, lambda: { f: { requests: 2, gbSeconds: 0.5, architecture: 'arm64' } } };
    const s = scaleUsage(u, 10);
    assert.equal(s.standardTransitions, 30);
    assert.equal(s.dynamodbWru, 20);
    assert.deepEqual(s.lambda.f, { requests: 20, gbSeconds: 5, architecture: 'arm64' });
    close(totalUsd(priceUsage(s, prices)), 10 * totalUsd(priceUsage(u, prices)), 'linear');
    const fixed = priceFixedMonthly({ kmsKeys: 1, alarms: 4, polledQueues: 1 }, prices);
    // 2 pollers x one 20 s long poll each x 30 days = 259,200 receives.
    close(totalUsd(fixed), 1 + 0.4 + 259_200 * 0.0000004, 'fixed');
  });
});

describe('deepalert model', () => {
  const single: Workload = {
    alerts: 1,
    ingestBatches: 1,
    reports: 1,
    attributeOccurrences: 4,
    newAttributes: 4,
    discoveredAttributes: 0,
    discoveryMessages: 0,
    findings: 2,
    inspectors: 1,
    emitters: 3,
    alertBytes: 500,
    findingBytes: 300,
  };

  test('one alert: 6 transitions, every attribute to every inspector, every write to the stream Lambda, emitters twice', () => {
    const { usage, invocations } = deepalertUsage(single, prices);
    assert.equal(usage.standardTransitions, 6);
    assert.deepEqual(invocations, {
      receptAlert: 1,
      dispatchInspection: 1,
      inspectors: 4,
      submitFinding: 1,
      feedbackAttribute: 0,
      // alertmap + alert cache + report (new) + report (reviewed) + 4 attribute caches + 2 findings
      publishReport: 10,
      compileReport: 1,
      reviewer: 1,
      submitReport: 1,
      emitters: 6,
    });
    assert.equal(lambdaRequests(usage), 26);
    assert.equal(usage.snsPublish, 1 + 4 + 2);
    assert.equal(usage.sqsRequests, 3 + (2 + 2));
    // TakeReport 1 + alert cache 1 + report 1 + 4 attribute caches + 2 findings + submit 1
    assert.equal(usage.dynamodbWru, 10);
  });

  test('a storm costs deepalert per alert: transitions, stream invocations and emitter messages grow with alerts, not keys', () => {
    const storm: Workload = { ...single, alerts: 1000, ingestBatches: 100, attributeOccurrences: 2000, newAttributes: 6, findings: 0 };
    const { usage, invocations } = deepalertUsage(storm, prices);
    assert.equal(usage.standardTransitions, 2 * 1000 + 4);
    assert.equal(invocations.emitters, 3 * 1001);
    assert.equal(invocations.inspectors, 6);
    assert.equal(invocations.publishReport, 1 + 1000 + 1000 + 1 + 6);
  });
});

describe('deployment reader', () => {
  test('memory and architecture per function, with per-function overrides', () => {
    const yml = ['provider:', '  name: aws', '  architecture: arm64', '  memorySize: 512', '', 'functions:', '  a:', '    handler: x.handler', '  b:', '    memorySize: 1024', '    handler: y.handler', 'resources:', '  Resources: {}'].join('\n');
    assert.deepEqual(readFunctionConfigs(yml), { a: { memoryMb: 512, architecture: 'arm64' }, b: { memoryMb: 1024, architecture: 'arm64' } });
    assert.deepEqual(readFunctionConfigs(['provider:', '  name: aws', 'functions:', '  a:', '    handler: x'].join('\n')), { a: { memoryMb: 1024, architecture: 'x86_64' } });
    assert.throws(() => readFunctionConfigs('provider:\n  memorySize: lots\nfunctions:\n  a:\n'), /not a number/);
  });

  test('the real serverless.yml: eight pipeline functions (the round sweeper too) and five detector sources, two keys (ops and alert topics), eighteen alarms, three polled queues', () => {
    const configs = readFunctionConfigs();
    assert.deepEqual(Object.keys(configs), ['ingest', 'planInspection', 'inspect', 'recordFailure', 'review', 'emit', 'finishRun', 'sweepRounds', 'cloudTrailEvents', 'cloudTrailLogs', 'cloudTrailFiles', 'flowLogLogs', 'flowLogFiles']);
    // Detector sources add a DLQ alarm each and the two log-file queues their functions poll; rounds add re-driven and finally failed.
    assert.deepEqual(readFixedResources(), { kmsKeys: 2, alarms: 18, polledQueues: 3 });
    assert.equal(functionKeyOf('FinishRunLambdaFunction'), 'finishRun');
  });
});

describe('DynamoDB item size (failed conditional writes are billed by it)', () => {
  test('agrees with dynalite, which applies AWS rules, on write units for items around the 1 KB steps', async () => {
    // dynalite as the local runtime starts it (local/storage-servers.mjs).
    const servers = await startLocalServers({ tableName: 'cost-base', bucketName: 'cost-test' });
    try {
      const client = new DynamoDBClient({
        endpoint: servers.dynamodbEndpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      await client.send(
        new CreateTableCommand({
          TableName: 'sizes',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      const doc = DynamoDBDocumentClient.from(client);
      // Items sized by itemSizeBytes to land exactly on, and one byte past, each 1 KB step: a size
      // rule off by a single byte moves one of them to the wrong unit count.
      const shape = (pk: string, body: string) => ({ pk, body, n: 12345, flag: true, list: ['a', 'bb', 3], map: { k: 'v', nested: { z: 1 } } });
      let checked = 0;
      for (const target of [1024, 1025, 2048, 2049, 4096, 4097]) {
        const pk = `item-${target}`;
        const item = shape(pk, 'x'.repeat(target - itemSizeBytes(shape(pk, ''))));
        assert.equal(itemSizeBytes(item), target);
        const { ConsumedCapacity } = await doc.send(new PutCommand({ TableName: 'sizes', Item: item, ReturnConsumedCapacity: 'TOTAL' }));
        assert.equal(ConsumedCapacity?.CapacityUnits, Math.ceil(target / 1024), `item of ${target} bytes`);
        checked++;
      }
      assert.equal(checked, 6);
      client.destroy();
    } finally {
      await servers.stop();
    }
  });
});

describe('the meter on a real local run', () => {
  test('Express overhead is charged per Lambda task of the round step, not of the pipeline', () => {
    // The meter adds the AWS invoke overhead to round-step executions for these functions' calls.
    assert.deepEqual(Object.fromEntries(lambdaTasksOf(ROUND_DEFINITION)), {
      PlanInspection: 'planInspection',
      RunInspector: 'inspect',
      RecordInspectionFailure: 'recordFailure',
      Review: 'review',
      EmitToEmitter: 'emit',
      RecordEmitFailure: 'recordFailure',
      FinishRound: 'finishRun',
    });
    // The pipeline's only Lambda task (failure path) runs outside any round step.
    assert.deepEqual(Object.fromEntries(lambdaTasksOf(PIPELINE_DEFINITION)), { RecordPipelineFailure: 'finishRun' });
  });


  test('one alert: counts agree with what the run did, and deepalert sees the same workload', async () => {
    const m = await singleAlert();
    const functions = readFunctionConfigs();
    const u = m.meter.usage(functions, prices);
    assert.deepEqual(m.notes, []);
    assert.deepEqual(
      { alerts: m.workload.alerts, batches: m.workload.ingestBatches, reports: m.workload.reports, occurrences: m.workload.attributeOccurrences, newAttributes: m.workload.newAttributes, emitters: m.workload.emitters },
      { alerts: 1, batches: 1, reports: 1, occurrences: 4, newAttributes: 4, emitters: 3 },
    );
    assert.ok(m.workload.findings >= 1, 'the blocklist knows 203.0.113.9');
    // One round: the pipeline's happy path (read from its ASL, Triage -> WaitForAggregation ->
    // Conclude) is all the Standard workflow bills; each child call is one Express round step.
    assert.equal(m.executions, 1);
    const pipeline = JSON.parse(readFileSync(PIPELINE_DEFINITION, 'utf8')) as { StartAt: string; States: Record<string, { Type: string; Next?: string; End?: boolean; Resource?: string }> };
    const happyPath: string[] = [];
    for (let name: string | undefined = pipeline.StartAt; name !== undefined; name = pipeline.States[name]!.End ? undefined : pipeline.States[name]!.Next) happyPath.push(name);
    assert.equal(u.standardTransitions, happyPath.length * m.executions, `pipeline path ${happyPath.join(' -> ')}`);
    const childCalls = happyPath.filter((name) => String(pipeline.States[name]!.Resource).includes(':states:startExecution.sync'));
    assert.equal(childCalls.length, 2, 'a round step before (preliminary) and after (final) the wait');
    assert.equal(u.expressRequests, childCalls.length * m.executions);
    assert.equal(u.lambda.ingest?.requests, 1);
    // One review per round step; the round is closed once, by the final step.
    assert.equal(u.lambda.review?.requests, u.expressRequests);
    assert.equal(u.lambda.finishRun?.requests, m.executions);
    assert.ok(u.expressGbSeconds > 0);
    // Each emitter once per emitted version; each emitted version archived once, and a one-alert
    // report reaches its emitters in the round's own data, never read back from S3.
    const emitted = m.meter.sns.reportPublishes;
    assert.ok(emitted >= 1);
    assert.equal(u.lambda.emit?.requests, 3 * emitted);
    assert.equal(u.s3Put, u.lambda.review?.requests);
    assert.equal(u.s3Get, 0, `S3 reads for ${u.lambda.emit?.requests} emits of a one-alert report`);
    assert.equal(u.sqsRequests, 3, 'SNS -> SQS send, receive, batch delete');
    assert.ok(u.dynamodbWru >= (m.meter.dynamodb.requests.get('PutItemCommand') ?? 0) + (m.meter.dynamodb.requests.get('UpdateItemCommand') ?? 0));
    // Ingest and inspection write in batches: every item of a BatchWriteItem is billed (a unit at least), none for free.
    const batchWrites = m.meter.dynamodbByCommand.get('BatchWriteItemCommand');
    assert.ok(batchWrites && batchWrites.requests > 0, 'the run wrote in batches');
    assert.ok(batchWrites.wru >= batchWrites.requests, `BatchWriteItem: ${batchWrites.wru} WRU billed for ${batchWrites.requests} requests`);
    for (const [name, l] of Object.entries(u.lambda)) assert.ok(l.gbSeconds > 0 && l.architecture === 'arm64', name);
    const c = compare('single', u, deepalertUsage(m.workload, prices).usage, prices);
    assert.ok(c.oursUsd > 0 && c.theirsUsd > 0);
  });
});
