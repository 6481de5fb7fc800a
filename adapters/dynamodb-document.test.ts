/**
 * The store's document commands against dynalite through the real SDK: values go in and come
 * back as lib-dynamodb's would, pages are followed to the end, and every call still passes
 * through the shared client's middleware stack (what the bench and the cost meter count).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand as LibGetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createPkSkTable, LOCAL_CREDENTIALS, startLocalServers, type LocalServers } from '../local/servers.ts';
import { BatchGetCommand, BatchWriteCommand, DocumentClient, GetCommand, paginateQuery, paginateScan, PutCommand, UpdateCommand } from './dynamodb-document.ts';

const TABLE = 'document-test';
let servers: LocalServers;
let client: DynamoDBClient;
let doc: DocumentClient;
const sent: string[] = [];

beforeAll(async () => {
  servers = await startLocalServers({ tableName: TABLE, bucketName: 'document-test' });
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: servers.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS, requestHandler: servers.dynamodbRequestHandler });
  client.middlewareStack.add((next, context) => (args) => (sent.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'countSent' });
  doc = DocumentClient.from(client);
});

afterAll(async () => {
  client?.destroy();
  await servers?.stop();
});

describe('document commands over the low-level client', () => {
  test('an item goes in and comes back with the same values; undefined values are dropped', async () => {
    const item = { pk: 'REPORT#1', sk: 'META', round: 3, dirty: true, tags: new Set(['a', 'b']), nested: { list: [1, 'two', null], empty: '' }, gone: undefined };
    await doc.send(new PutCommand({ TableName: TABLE, Item: item }));
    const { Item } = await doc.send(new GetCommand({ TableName: TABLE, Key: { pk: 'REPORT#1', sk: 'META' }, ConsistentRead: true }));
    const { gone: _gone, ...expected } = item;
    expect(Item).toEqual(expected);
    expect(Item && 'gone' in Item).toBe(false);
    // What lib-dynamodb's document client reads back from the same item.
    const lib = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: servers.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS }));
    expect((await lib.send(new LibGetCommand({ TableName: TABLE, Key: { pk: 'REPORT#1', sk: 'META' }, ConsistentRead: true }))).Item).toEqual(Item);
    lib.destroy();
  });

  test('an update returns the new item; a failed condition is the SDK error', async () => {
    const { Attributes } = await doc.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { pk: 'REPORT#1', sk: 'META' },
        UpdateExpression: 'SET round = round + :one',
        ConditionExpression: 'round = :three',
        ExpressionAttributeValues: { ':one': 1, ':three': 3 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(Attributes?.round).toBe(4);
    await expect(
      doc.send(
        new UpdateCommand({
          TableName: TABLE,
          Key: { pk: 'REPORT#1', sk: 'META' },
          UpdateExpression: 'SET round = :zero',
          ConditionExpression: 'round = :three',
          ExpressionAttributeValues: { ':zero': 0, ':three': 3 },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });

  test('batch writes and batch reads carry plain values both ways', async () => {
    const items = Array.from({ length: 25 }, (_, i) => ({ pk: 'REPORT#2', sk: `ALERT#${String(i).padStart(3, '0')}`, n: i, body: JSON.stringify({ i }) }));
    const written = await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    expect(Object.values(written.UnprocessedItems ?? {}).flat()).toEqual([]);
    const read = await doc.send(new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: items.map(({ pk, sk }) => ({ pk, sk })), ConsistentRead: true } } }));
    const found = (read.Responses?.[TABLE] ?? []).sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    expect(found).toEqual(items);
  });

  test('queries and scans follow every page', async () => {
    const pages: number[] = [];
    const seen: unknown[] = [];
    for await (const page of paginateQuery({ client: doc, pageSize: 10 }, { TableName: TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'REPORT#2' } })) {
      pages.push(page.Items?.length ?? 0);
      seen.push(...(page.Items ?? []).map((i) => i.n));
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    let scanned = 0;
    for await (const page of paginateScan({ client: doc, pageSize: 7 }, { TableName: TABLE, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'REPORT#2' } })) {
      scanned += page.Items?.length ?? 0;
    }
    expect(scanned).toBe(25);
  });

  test('every call passes through the shared client middleware stack, as it is at the first call; the shared client keeps no handler cache', async () => {
    const fresh = DocumentClient.from(client);
    const late: string[] = [];
    client.middlewareStack.add((next, context) => (args) => (late.push(context.commandName ?? '?'), next(args)), { step: 'initialize', name: 'countLate' });
    const before = sent.length;
    for (let i = 0; i < 3; i++) await fresh.send(new GetCommand({ TableName: TABLE, Key: { pk: 'REPORT#1', sk: 'META' } }));
    expect(sent.slice(before)).toEqual(['GetItemCommand', 'GetItemCommand', 'GetItemCommand']);
    expect(late).toEqual(['GetItemCommand', 'GetItemCommand', 'GetItemCommand']);
    client.middlewareStack.remove('countLate');
    // lib-dynamodb's document client (the other adapters') refuses a client with the cache on.
    expect(client.config.cacheMiddleware).not.toBe(true);
    expect(() => DynamoDBDocumentClient.from(client)).not.toThrow();
  });
});

test('a second table on the same servers is reachable too (the view shares the client configuration)', async () => {
  await createPkSkTable(client, 'document-test-2');
  await doc.send(new PutCommand({ TableName: 'document-test-2', Item: { pk: 'a', sk: 'b' } })).catch(async (error: unknown) => {
    // The table may still be CREATING for an instant.
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await doc.send(new PutCommand({ TableName: 'document-test-2', Item: { pk: 'a', sk: 'b' } }));
  });
  expect((await doc.send(new GetCommand({ TableName: 'document-test-2', Key: { pk: 'a', sk: 'b' }, ConsistentRead: true }))).Item).toEqual({ pk: 'a', sk: 'b' });
});
