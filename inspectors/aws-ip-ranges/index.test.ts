import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createAwsClients } from '../../adapters/aws-clients.ts';
import { parseIp } from '../../core/ip-address.ts';
import { prepareInspectors } from '../../core/pipeline/inspection.ts';
import { makeAttribute, runInspector, silentLogger } from '../../core/testing.ts';
import { LOCAL_CREDENTIALS, startLocalServers, type LocalServers } from '../../local/servers.ts';
import { awsIpRangesFromEnv, createAwsIpRangesInspector, parseAwsIpRanges } from './index.ts';

const document = (prefixes: Array<[string, string, string]>, ipv6: Array<[string, string, string]> = []) =>
  JSON.stringify({
    syncToken: '1764460800',
    createDate: '2026-11-30-00-00-00',
    prefixes: prefixes.map(([ip_prefix, region, service]) => ({ ip_prefix, region, service, network_border_group: region })),
    ipv6_prefixes: ipv6.map(([ipv6_prefix, region, service]) => ({ ipv6_prefix, region, service, network_border_group: region })),
  });

describe('parseAwsIpRanges', () => {
  const ranges = parseAwsIpRanges(
    document(
      [
        ['52.0.0.0/15', 'us-east-1', 'AMAZON'],
        ['52.0.0.0/15', 'us-east-1', 'EC2'],
        ['18.204.0.0/14', 'us-east-1', 'EC2'],
        ['18.206.107.24/29', 'us-east-1', 'EC2_INSTANCE_CONNECT'],
        ['not-a-cidr', 'us-east-1', 'EC2'],
      ],
      [['2600:1f18:7fff:f800::/56', 'us-east-1', 'ROUTE53_HEALTHCHECKS']],
    ),
  );
  const at = (ip: string) => ranges.lookup(parseIp(ip)!).map((p) => `${p.prefix} ${p.region} ${p.services.join('+')}`);

  test('one entry per prefix with its services; nested prefixes all returned, most specific first', () => {
    assert.deepEqual(at('52.1.1.1'), ['52.0.0.0/15 us-east-1 AMAZON+EC2']);
    assert.deepEqual(at('18.206.107.30'), ['18.206.107.24/29 us-east-1 EC2_INSTANCE_CONNECT', '18.204.0.0/14 us-east-1 EC2']);
    assert.deepEqual(at('18.206.107.32'), ['18.204.0.0/14 us-east-1 EC2']);
    assert.deepEqual(at('2600:1f18:7fff:f800::1'), ['2600:1f18:7fff:f800::/56 us-east-1 ROUTE53_HEALTHCHECKS']);
    assert.deepEqual(at('::ffff:52.1.1.1'), ['52.0.0.0/15 us-east-1 AMAZON+EC2']);
    assert.deepEqual(at('52.2.0.0'), []);
    assert.equal(ranges.prefixes, 4);
    assert.equal(ranges.skipped, 1);
  });

  test('a document in another format is refused, naming the field', () => {
    assert.throws(() => parseAwsIpRanges('{"syncToken":"1","createDate":"x","prefixes":[{"ip_prefix":"52.0.0.0/15"}]}'), /prefixes\.0\.region: /);
    assert.throws(() => parseAwsIpRanges('<html>'), /not JSON/);
  });
});

describe('aws-ip-ranges inspector', () => {
  test('the bundled snapshot: the most specific service, region and prefix', async () => {
    const inspector = createAwsIpRangesInspector();
    const [finding] = (await runInspector(inspector, { type: 'ipaddr', key: 'src', value: '18.206.107.30' })).findings;
    assert.deepEqual(finding, {
      verdict: 'info',
      title: 'AWS EC2_INSTANCE_CONNECT address (us-east-1)',
      source: 'aws-ip-ranges',
      detail: {
        service: 'EC2_INSTANCE_CONNECT',
        region: 'us-east-1',
        network_border_group: 'us-east-1',
        prefix: '18.206.107.24/29',
        services: ['AMAZON', 'EC2_INSTANCE_CONNECT', 'EC2'],
        prefixes: ['18.206.107.24/29', '18.204.0.0/14'],
        ranges_create_date: '2026-11-30-00-00-00',
      },
    });
    assert.equal((await runInspector(inspector, { type: 'ipaddr', key: 'src', value: '13.33.0.1' })).findings[0]?.title, 'AWS CLOUDFRONT address (global)');
    for (const other of ['8.8.8.8', '10.0.0.1', '2001:db8::1']) {
      assert.deepEqual((await runInspector(inspector, { type: 'ipaddr', key: 'src', value: other })).findings, [], other);
    }
  });

  test('a ranges file that cannot be read fails prepare, naming it', async () => {
    const inspector = awsIpRangesFromEnv({ ALERTWARDEN_AWS_IP_RANGES: 'config/ip-ranges.json', ALERTWARDEN_CONFIG_DIR: '/etc/alertwarden' });
    await assert.rejects(prepareInspectors([inspector], silentLogger), /cannot read AWS IP ranges from \/etc\/alertwarden\/config\/ip-ranges\.json: ENOENT/);
    assert.throws(() => awsIpRangesFromEnv({ ALERTWARDEN_AWS_IP_RANGES_REFRESH_SECONDS: '1d' }), /is not a whole number of seconds/);
    assert.throws(() => awsIpRangesFromEnv({ ALERTWARDEN_AWS_IP_RANGES: 's3://bucket' }), /must look like s3:\/\/bucket\/key/);
  });

  describe('refreshed from S3 (s3rver, the real SDK)', () => {
    let servers: LocalServers;
    let s3: S3Client;
    beforeAll(async () => {
      servers = await startLocalServers({ tableName: 'unused', bucketName: 'config' });
      s3 = (await createAwsClients({ AWS_ENDPOINT_URL_S3: servers.s3Endpoint, ALERTWARDEN_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey })).s3;
    });
    afterAll(async () => {
      s3?.destroy();
      await servers?.stop();
    });

    test('loads the configured object, and a newer one after the interval without an inspection waiting for it', async () => {
      const put = (body: string) => s3.send(new PutObjectCommand({ Bucket: 'config', Key: 'aws-ip-ranges/ip-ranges.json', Body: body }));
      await put(document([['52.0.0.0/15', 'us-east-1', 'EC2']]));
      const clock = { t: 0 };
      const inspector = createAwsIpRangesInspector({ location: 's3://config/aws-ip-ranges/ip-ranges.json', s3, refreshIntervalMs: 60_000, now: () => clock.t });
      const inspect = async (value: string) =>
        (await inspector.inspect(makeAttribute({ value }), { reportId: 'r', signal: new AbortController().signal, logger: silentLogger })).findings.map((f) => f.title);
      await prepareInspectors([inspector], silentLogger);
      assert.deepEqual(await inspect('52.1.1.1'), ['AWS EC2 address (us-east-1)']);
      await put(document([['52.0.0.0/15', 'us-east-1', 'EC2'], ['3.5.140.0/22', 'ap-northeast-2', 'S3']]));
      assert.deepEqual(await inspect('3.5.140.9'), [], 'within the interval: the loaded ranges');
      clock.t = 60_000;
      assert.deepEqual(await inspect('3.5.140.9'), [], 'the reload runs in the background');
      await inspector.refreshed();
      assert.deepEqual(await inspect('3.5.140.9'), ['AWS S3 address (ap-northeast-2)']);
    });
  });

  test('reloads in the background after the interval; a failed reload keeps the old ranges', async () => {
    const served = { body: document([['52.0.0.0/15', 'us-east-1', 'EC2']]), status: 200, gets: 0 };
    const server: Server = createServer((_, response) => {
      served.gets++;
      response.writeHead(served.status).end(served.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const clock = { t: 0 };
      const warnings: string[] = [];
      const logger = { ...silentLogger, warn: (m: string) => warnings.push(m) };
      const inspector = createAwsIpRangesInspector({ location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip-ranges.json`, refreshIntervalMs: 1000, now: () => clock.t });
      const inspect = async (value: string) =>
        (await inspector.inspect(makeAttribute({ value }), { reportId: 'r', signal: new AbortController().signal, logger })).findings.length;
      await prepareInspectors([inspector], logger);
      assert.equal(await inspect('52.1.1.1'), 1);
      served.body = document([['3.5.140.0/22', 'ap-northeast-2', 'S3']]);
      clock.t = 1000;
      assert.equal(await inspect('3.5.140.9'), 0, 'answers from the loaded ranges while the reload runs');
      await inspector.refreshed();
      assert.equal(served.gets, 2);
      assert.equal(await inspect('3.5.140.9'), 1);
      served.status = 503;
      clock.t = 2000;
      await inspect('3.5.140.9');
      await inspector.refreshed();
      assert.equal(await inspect('3.5.140.9'), 1, 'kept');
      assert.deepEqual(warnings, ['aws-ip-ranges refresh failed; keeping the ranges loaded earlier']);
      assert.equal(served.gets, 3);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
