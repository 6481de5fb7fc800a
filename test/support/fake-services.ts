/**
 * Loopback stand-ins for the AWS services the local servers do not cover, speaking their real
 * wire protocols so the unchanged SDK clients and adapters talk to them (point
 * AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL_SSM at `endpoint`). Only the calls AlertWarden makes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackService {
  endpoint: string;
  /** Every request body received, in order. */
  requests: string[];
  close(): Promise<void>;
}

const start = async (handle: (body: string, req: IncomingMessage, res: ServerResponse) => void): Promise<LoopbackService> => {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push(body);
      handle(body, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export interface FakeSns extends LoopbackService {
  /** `deny`: every Publish is refused as a topic policy would (AuthorizationError, not retried by the SDK). */
  mode: 'accept' | 'deny';
  /** Messages accepted, with their message attributes. */
  published: { topicArn: string; message: string }[];
}

/** SNS Publish over the Query protocol (form-encoded in, XML out). */
export const startFakeSns = async (): Promise<FakeSns> => {
  const fake = { mode: 'accept', published: [] } as unknown as FakeSns;
  const service = await start((body, _req, res) => {
    const params = new URLSearchParams(body);
    res.setHeader('content-type', 'text/xml');
    if (params.get('Action') !== 'Publish' || fake.mode === 'deny') {
      res.statusCode = 403;
      res.end(
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code>' +
          '<Message>User is not authorized to perform: SNS:Publish on resource</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      );
      return;
    }
    fake.published.push({ topicArn: params.get('TopicArn') ?? '', message: params.get('Message') ?? '' });
    res.end(
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult>` +
        '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>',
    );
  });
  return Object.assign(fake, service);
};

/** SSM GetParameter over JSON 1.1, for SecureString parameters held in `parameters`. */
export const startFakeSsm = async (parameters: Record<string, string>): Promise<LoopbackService> =>
  start((body, req, res) => {
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    const { Name, WithDecryption } = JSON.parse(body) as { Name: string; WithDecryption?: boolean };
    const value = parameters[Name];
    if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter' || value === undefined) {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'ParameterNotFound', message: 'Parameter not found' }));
      return;
    }
    res.end(
      JSON.stringify({
        Parameter: {
          Name,
          Type: 'SecureString',
          // Without decryption SSM returns the KMS ciphertext; the reader must ask for plain text.
          Value: WithDecryption ? value : Buffer.from(`kms:${value}`).toString('base64'),
          Version: 1,
          ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${Name}`,
        },
      }),
    );
  });
