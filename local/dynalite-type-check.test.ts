import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { compileTypeCheck } from './dynalite-type-check.mjs';

// dynalite's own type check and the type descriptions of its operations (this test's copies).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
type Types = Record<string, unknown>;
const original = (fromDynalite('./validations/index.js') as { checkTypes(data: unknown, types: Types): unknown }).checkTypes;
const typesOf = (operation: string) => (fromDynalite(`./validations/${operation}.js`) as { types: Types }).types;

/** What a check makes of a request: its result or its error (status and body, as dynalite sends it), and the request as left behind. */
const outcome = (check: (data: unknown, types: Types) => unknown, request: unknown, types: Types) => {
  try {
    return { result: check(request, types), request };
  } catch (error) {
    const { statusCode, body, message } = error as { statusCode?: number; body?: unknown; message: string };
    return { error: { statusCode, body, message }, request };
  }
};

const item = (i: number) => ({
  pk: { S: `REPORT#${i}` },
  sk: { S: 'META' },
  version: { N: String(i) },
  running: { BOOL: i % 2 === 0 },
  gone: { NULL: true },
  tags: { SS: ['a', 'b'] },
  counts: { NS: ['1', '2.5'] },
  blobs: { BS: ['aGVsbG8='] },
  raw: { B: 'AAECAw==' },
  findings: { L: [{ M: { verdict: { S: 'malicious' }, score: { N: '0.9' }, nested: { L: [{ S: 'x' }, { NULL: true }] } } }] },
  attrs: { M: { remote: { S: '203.0.113.9' }, ports: { NS: ['22'] } } },
});

/** Requests as the stores send them, one per operation dynalite serves for them. */
const VALID: Record<string, [operation: string, request: () => unknown]> = {
  PutItem: ['putItem', () => ({ TableName: 't', Item: item(1), ConditionExpression: 'attribute_not_exists(pk)', ReturnValues: 'NONE' })],
  UpdateItem: [
    'updateItem',
    () => ({
      TableName: 't',
      Key: { pk: { S: 'R#1' }, sk: { S: 'META' } },
      UpdateExpression: 'SET #v = #v + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: { ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }),
  ],
  BatchWriteItem: ['batchWriteItem', () => ({ RequestItems: { t: [{ PutRequest: { Item: item(2) } }, { DeleteRequest: { Key: { pk: { S: 'R#3' }, sk: { S: 'META' } } } }] } })],
  BatchGetItem: ['batchGetItem', () => ({ RequestItems: { t: { Keys: [{ pk: { S: 'R#1' }, sk: { S: 'META' } }], ConsistentRead: true, ProjectionExpression: 'pk, #a', ExpressionAttributeNames: { '#a': 'attribute' } } } })],
  Query: [
    'query',
    () => ({
      TableName: 't',
      IndexName: 'sweep',
      KeyConditionExpression: 'sweepShard = :s AND sweepAt <= :u',
      ExpressionAttributeValues: { ':s': { S: '3' }, ':u': { N: '99' } },
      Limit: 25.7, // an Integer: floored, as dynalite does
      ExclusiveStartKey: { pk: { S: 'R#1' }, sk: { S: 'META' } },
      ScanIndexForward: false,
      ConsistentRead: true,
    }),
  ],
  GetItem: ['getItem', () => ({ TableName: 't', Key: { pk: { S: 'R#1' }, sk: { S: 'META' } }, ConsistentRead: true, ProjectionExpression: 'sk' })],
  Scan: ['scan', () => ({ TableName: 't', Segment: 0, TotalSegments: 2, FilterExpression: 'sk = :m', ExpressionAttributeValues: { ':m': { S: 'META' } } })],
  CreateTable: [
    'createTable',
    () => ({
      TableName: 't',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{ IndexName: 'g', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
    }),
  ],
  'members dynalite drops (unknown, null)': ['getItem', () => ({ TableName: 't', Key: { pk: { S: 'R#1' }, sk: null }, Unknown: 1, ConsistentRead: null })],
  'an array for the whole request (dynalite keeps none of it)': ['getItem', () => [1, 2]],
  'a __proto__ attribute name': ['putItem', () => JSON.parse('{"TableName":"t","Item":{"pk":{"S":"x"},"__proto__":{"S":"y"},"m":{"M":{"__proto__":{"N":"1"}}}}}')],
};

/** Requests dynalite refuses or converts in a way the compiled check leaves to it. */
const LEFT_TO_DYNALITE: Record<string, [operation: string, request: () => unknown]> = {
  'a Boolean as a string (converted)': ['getItem', () => ({ TableName: 't', Key: { pk: { S: 'x' } }, ConsistentRead: 'yes' })],
  'a Boolean as a number': ['getItem', () => ({ TableName: 't', Key: { pk: { S: 'x' } }, ConsistentRead: 1 })],
  'a number for a string': ['putItem', () => ({ TableName: 't', Item: { pk: { S: 5 } } })],
  'a list for a map': ['putItem', () => ({ TableName: 't', Item: [{ pk: { S: 'x' } }] })],
  'a string for a list': ['putItem', () => ({ TableName: 't', Item: { pk: { SS: 'x' } } })],
  'bad base64': ['putItem', () => ({ TableName: 't', Item: { pk: { S: 'x' }, b: { B: 'abc' } } })],
  'base64 with a bad last character': ['putItem', () => ({ TableName: 't', Item: { pk: { S: 'x' }, b: { B: 'aGVsbG9=' } } })],
  'a string for a Long': ['query', () => ({ TableName: 't', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'x' } }, Limit: '5' })],
  'an error deep in a batch, after valid items': ['batchWriteItem', () => ({ RequestItems: { t: [{ PutRequest: { Item: item(1) } }, { PutRequest: { Item: { pk: { N: 1 } } } }] } })],
};

describe('dynalite type check, compiled', () => {
  test.each(Object.entries(VALID))('%s: the same result as dynalite, answered by the compiled check', (_, [operation, make]) => {
    const types = typesOf(operation);
    const expected = outcome(original, make(), types);
    const { checkTypes, stats } = compileTypeCheck(original);
    const actual = outcome(checkTypes, make(), types);
    expect(actual).toStrictEqual(expected);
    expect(expected.error, 'a valid request').toBeUndefined();
    expect(stats).toStrictEqual({ compiled: 1, original: 0 });
  });

  test.each(Object.entries(LEFT_TO_DYNALITE))('%s: dynalite answers, with its own error or conversion', (_, [operation, make]) => {
    const types = typesOf(operation);
    const expected = outcome(original, make(), types);
    const { checkTypes, stats } = compileTypeCheck(original);
    const actual = outcome(checkTypes, make(), types);
    expect(actual).toStrictEqual(expected);
    expect(stats).toStrictEqual({ compiled: 0, original: 1 });
  });

  test('data with a single member is checked on it alone: the same answer as dynalite, which takes an absent member as null whatever its type', () => {
    // A member whose type the compiled check cannot read, absent from the data; and one present.
    const types = { Present: { type: 'String' }, Unreadable: { type: 'Mystery' }, Nested: { type: 'FieldStruct', children: { S: 'String', N: 'String' } } };
    for (const make of [() => ({ Present: 'x', Dropped: 1 }), () => ({ Nested: { N: '5', S: null } })]) {
      const expected = outcome(original, make(), types);
      const { checkTypes, stats } = compileTypeCheck(original);
      expect(outcome(checkTypes, make(), types)).toStrictEqual(expected);
      expect(stats, JSON.stringify(make())).toStrictEqual({ compiled: 1, original: 0 });
    }
  });

  test('compiled once per type description: the second request of an operation allocates no descriptions', () => {
    const { checkTypes, stats } = compileTypeCheck(original);
    const types = typesOf('batchWriteItem');
    for (let i = 0; i < 200; i++) {
      const request = { RequestItems: { t: [{ PutRequest: { Item: item(i) } }] } };
      expect(checkTypes(request, types)).toStrictEqual(original({ RequestItems: { t: [{ PutRequest: { Item: item(i) } }] } }, types));
    }
    expect(stats).toStrictEqual({ compiled: 200, original: 0 });
  });
});
