/** The round lifecycle contract (adapters/rounds.contract.ts) on DynamoDB: dynalite through the real SDK. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_CREDENTIALS, startLocalServers } from '../local/servers.ts';
import { DynamoDbReportStore } from './dynamodb-store.ts';
import { describeRoundLifecycleContract } from './rounds.contract.ts';

describeRoundLifecycleContract('DynamoDB (dynalite)', async ({ roundDeadlineMs, now }) => {
  const servers = await startLocalServers({ tableName: 'rounds-test', bucketName: 'rounds-test' });
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: servers.dynamodbEndpoint, credentials: LOCAL_CREDENTIALS });
  return {
    store: new DynamoDbReportStore(client, { tableName: 'rounds-test', ttlDays: 1, roundDeadlineMs, now }),
    stop: async () => {
      client.destroy();
      await servers.stop();
    },
  };
});
