/**
 * A child process for local/servers.test.ts: starts the storage servers, writes an item over the
 * socket-free path and over loopback HTTP, prints what it read back and the TCP handles that
 * still hold the process open, and returns without stopping them. The process must then exit on
 * its own: nothing left running holds it open.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, startLocalServers } from '../../local/servers.ts';

const servers = await startLocalServers({ tableName: 'unstopped', bucketName: 'unstopped' });
const base = { region: 'us-east-1', endpoint: servers.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
const inProcess = new DynamoDBClient({ ...base, requestHandler: servers.dynamodbRequestHandler });
const overSocket = new DynamoDBClient(base);
const key = { pk: { S: 'REPORT#1' }, sk: { S: 'META' } };
await inProcess.send(new PutItemCommand({ TableName: 'unstopped', Item: { ...key, note: { S: 'written without a socket' } } }));
const read = await overSocket.send(new GetItemCommand({ TableName: 'unstopped', Key: key, ConsistentRead: true }));
console.log(read.Item?.note?.S);
// What still holds the process open once the work is done: no server socket, listening or connected.
setImmediate(() => console.log(JSON.stringify(process.getActiveResourcesInfo().filter((resource) => resource.startsWith('TCP')))));
