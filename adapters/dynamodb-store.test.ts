import { createAwsClients } from './aws-clients.ts';
import { DynamoDbReportStore } from './dynamodb-store.ts';
import { S3ReportArchive } from './s3-archive.ts';
import { describeStoreContract } from './store.contract.ts';
import { LOCAL_CREDENTIALS, startLocalServers } from '../local/servers.ts';

// The adapters as the pipeline runs them: the AWS SDK against dynalite and s3rver.
describeStoreContract('DynamoDB and S3 (dynalite, s3rver)', async () => {
  const servers = await startLocalServers({ tableName: 'contract-table', bucketName: 'contract-archive' });
  const clients = await createAwsClients(
    {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: servers.dynamodbEndpoint,
      AWS_ENDPOINT_URL_S3: servers.s3Endpoint,
      ALERTWARDEN_S3_FORCE_PATH_STYLE: 'true',
    },
    { dynamodb: servers.dynamodbRequestHandler },
  );
  return {
    store: new DynamoDbReportStore(clients.dynamodb, { tableName: 'contract-table', ttlDays: 30, roundDeadlineMs: 900_000 }),
    archive: new S3ReportArchive(clients.s3, 'contract-archive'),
    stop: () => servers.stop(),
  };
});
