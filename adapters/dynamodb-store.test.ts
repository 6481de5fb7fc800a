import { createAwsClients } from './aws-clients.ts';
import { DynamoDbReportStore } from './dynamodb-store.ts';
import { S3ReportArchive } from './s3-archive.ts';
import { describeStoreContract } from './store.contract.ts';
import { localServerEnv, startLocalServers } from '../local/servers.ts';

// The adapters as the pipeline runs them: the AWS SDK against dynalite and s3rver.
describeStoreContract('DynamoDB and S3 (dynalite, s3rver)', async ({ now }) => {
  const servers = await startLocalServers({ tableName: 'contract-table', bucketName: 'contract-archive' });
  const clients = await createAwsClients(
    localServerEnv(servers),
    { dynamodb: servers.dynamodbRequestHandler },
  );
  return {
    store: new DynamoDbReportStore(clients.dynamodb, { tableName: 'contract-table', ttlDays: 30, roundDeadlineMs: 900_000, recordSightings: true, now }),
    storeWithoutSightings: new DynamoDbReportStore(clients.dynamodb, { tableName: 'contract-table', ttlDays: 30, roundDeadlineMs: 900_000, now }),
    archive: new S3ReportArchive(clients.s3, 'contract-archive'),
    stop: () => servers.stop(),
  };
});
