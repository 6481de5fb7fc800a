import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createAwsClients } from '../../adapters/aws-clients.ts';
import { PACKAGE_ROOT } from '../../core/paths.ts';
import { LOCAL_CREDENTIALS, startLocalServers, type LocalServers } from '../../local/servers.ts';
import { BlocklistError } from './errors.ts';
import { matchAddress } from './match.ts';
import { configDirOf, loadBlocklist, parseSource, sourceFromCommandLine } from './sources.ts';

const noS3 = () => assert.fail('no S3 for this source') as S3Client;

describe('parseSource', () => {
  test('names a list after its file unless named explicitly; relative paths from the base folder', () => {
    assert.deepEqual(parseSource('lists/tor-exit-nodes.txt', '/srv/aw'), { name: 'tor-exit-nodes', location: '/srv/aw/lists/tor-exit-nodes.txt' });
    assert.deepEqual(parseSource(' bad=/etc/x.txt ', '/srv/aw'), { name: 'bad', location: '/etc/x.txt' });
    assert.deepEqual(parseSource('s3://intel/feeds/c2.list'), { name: 'c2', location: 's3://intel/feeds/c2.list' });
    assert.deepEqual(parseSource('c2=s3://intel/feeds/latest'), { name: 'c2', location: 's3://intel/feeds/latest' });
    assert.deepEqual(parseSource('https://feeds.example/block.txt?v=1'), { name: 'block', location: 'https://feeds.example/block.txt?v=1' });
  });

  test('a relative path never depends on the current directory (issue 10)', () => {
    assert.equal(parseSource('examples/blocklists/known-bad.txt').location, join(PACKAGE_ROOT, 'examples/blocklists/known-bad.txt'));
    assert.equal(configDirOf({}), PACKAGE_ROOT);
    assert.equal(configDirOf({ LAMBDA_TASK_ROOT: '/var/task' }), '/var/task');
    assert.equal(configDirOf({ ALERTWARDEN_CONFIG_DIR: '/etc/alertwarden', LAMBDA_TASK_ROOT: '/var/task' }), '/etc/alertwarden');
  });

  test('command-line paths are made absolute against the user folder; remote ones are kept', () => {
    assert.equal(sourceFromCommandLine('mine.txt', '/home/me'), '/home/me/mine.txt');
    assert.equal(sourceFromCommandLine('bad=../lists/x.txt', '/home/me'), 'bad=/home/lists/x.txt');
    assert.equal(sourceFromCommandLine('tor=s3://intel/tor.txt', '/home/me'), 'tor=s3://intel/tor.txt');
    assert.equal(sourceFromCommandLine('https://feeds.example/drop.txt', '/home/me'), 'https://feeds.example/drop.txt');
  });

  test('refuses sources it cannot use', () => {
    assert.throws(() => parseSource('name='), BlocklistError);
    assert.throws(() => parseSource('s3://bucket-only'), /must look like s3:\/\/bucket\/key/);
    assert.throws(() => parseSource('lists/my list.txt'), /write it as name=lists\/my list\.txt/);
    assert.throws(() => parseSource('https://'), /is not a valid URL/);
  });
});

describe('loadBlocklist', () => {
  test('reads a local file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blocklist-'));
    await writeFile(join(dir, 'l.txt'), 'evil.example\n');
    const list = await loadBlocklist({ name: 'l', location: join(dir, 'l.txt') }, noS3);
    assert.ok(list.domains.has('evil.example'));
  });

  test('a missing file is a BlocklistError naming the list and path, with the cause kept', async () => {
    await assert.rejects(loadBlocklist({ name: 'gone', location: '/nonexistent/gone.txt' }, noS3), (error: unknown) => {
      assert.ok(error instanceof BlocklistError);
      assert.match(error.message, /cannot read blocklist gone from \/nonexistent\/gone\.txt: ENOENT/);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });

  describe('from S3 (s3rver, the real SDK)', () => {
    let servers: LocalServers;
    let s3: S3Client;
    beforeAll(async () => {
      servers = await startLocalServers({ tableName: 'unused', bucketName: 'intel' });
      s3 = (await createAwsClients({ AWS_ENDPOINT_URL_S3: servers.s3Endpoint, ALERTWARDEN_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey })).s3;
    });
    afterAll(async () => {
      s3?.destroy();
      await servers?.stop();
    });

    test('reads the object at bucket/key', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'intel', Key: 'feeds/c2.txt', Body: '203.0.113.0/24\n' }));
      const list = await loadBlocklist({ name: 'c2', location: 's3://intel/feeds/c2.txt' }, () => s3);
      assert.equal(matchAddress(list, '203.0.113.9')?.entry, '203.0.113.0/24');
    });

    test('a missing object names the location', async () => {
      await assert.rejects(loadBlocklist({ name: 'c2', location: 's3://intel/feeds/none.txt' }, () => s3), /cannot read blocklist c2 from s3:\/\/intel\/feeds\/none\.txt: /);
    });
  });

  describe('from a URL (loopback HTTP server)', () => {
    let server: Server;
    let base: string;
    const requests: IncomingMessage[] = [];
    beforeAll(async () => {
      server = createServer((request, response) => {
        requests.push(request);
        if (request.url === '/drop.txt') response.writeHead(200, { 'content-type': 'text/plain' }).end('; DROP\n1.10.16.0/20 ; SBL256894\n');
        else response.writeHead(503).end('busy');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    test('fetches the feed with one GET', async () => {
      const list = await loadBlocklist(parseSource(`${base}/drop.txt`), noS3);
      assert.equal(matchAddress(list, '1.10.17.1')?.entry, '1.10.16.0/20');
      assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), ['GET /drop.txt']);
    });

    test('an HTTP error status fails the load, naming the URL and status', async () => {
      await assert.rejects(loadBlocklist(parseSource(`${base}/down.txt`), noS3), new RegExp(`cannot read blocklist down from ${base}/down.txt: HTTP 503`));
    });
  });
});
