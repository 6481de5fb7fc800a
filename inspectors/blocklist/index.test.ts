import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { prepareInspectors } from '../../core/pipeline/inspection.ts';
import { makeAttribute, runInspector } from '../../core/testing.ts';
import type { PluginLogger } from '../../core/plugins.ts';
import { blocklistFromEnv, createBlocklistInspector } from './index.ts';

const SAMPLE = 'examples/blocklists/known-bad.txt'; // relative: read from the package, whatever the cwd

/** A feed server whose body the test changes, counting the GETs it answers. */
let server: Server;
let base = '';
const feed = { body: '198.51.100.7\n' as string | number, gets: 0 };
beforeAll(async () => {
  server = createServer((_, response) => {
    feed.gets++;
    if (typeof feed.body === 'number') response.writeHead(feed.body).end();
    else response.writeHead(200).end(feed.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const recordingLogger = () => {
  const lines: string[] = [];
  const logger: PluginLogger = { debug() {}, info() {}, warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
  return { lines, logger };
};

describe('blocklist inspector', () => {
  test('reports a malicious finding naming the list and the matched entry', async () => {
    const inspector = createBlocklistInspector({ sources: [SAMPLE] });
    const result = await runInspector(inspector, { type: 'ipaddr', key: 'src', value: '203.0.113.9' });
    assert.deepEqual(result.findings, [
      { verdict: 'malicious', title: 'listed in known-bad', source: 'known-bad', detail: { list: 'known-bad', entry: '203.0.113.0/24', line: 5 } },
    ]);
  });

  test('URL findings also say which host matched', async () => {
    const inspector = createBlocklistInspector({ sources: [`sample=${SAMPLE}`] });
    const result = await runInspector(inspector, { type: 'url', key: 'link', value: 'https://login.EVIL.example/x' });
    assert.deepEqual(result.findings[0]?.detail, { list: 'sample', entry: 'evil.example', line: 9, host: 'login.evil.example' });
  });

  test('finds nothing for clean values', async () => {
    const inspector = createBlocklistInspector({ sources: [SAMPLE] });
    for (const [type, value] of [['ipaddr', '192.0.2.1'], ['domain', 'good.example'], ['url', 'https://good.example/']] as const) {
      assert.deepEqual((await runInspector(inspector, { type, key: 'k', value })).findings, [], value);
    }
  });

  test('refuses duplicate list names and bad sources at creation', () => {
    assert.throws(() => createBlocklistInspector({ sources: ['a/x.txt', 'b/x.txt'] }), /two blocklists are named x/);
    assert.throws(() => createBlocklistInspector({ sources: ['s3://nokey'] }), ConfigError);
  });

  test('a malformed line is skipped, reported once, and the list keeps working (issue 10)', async () => {
    feed.body = '198.51.100.7\n10.0.0.0/40\nevil example\n';
    const { lines, logger } = recordingLogger();
    const inspector = createBlocklistInspector({ sources: [`feed=${base}/feed.txt`], refreshIntervalMs: 0 });
    await prepareInspectors([inspector], logger);
    const inspect = async (value: string) =>
      (await inspector.inspect(makeAttribute({ value }), { reportId: 'r', signal: new AbortController().signal, logger })).findings.length;
    assert.equal(await inspect('198.51.100.7'), 1);
    await inspector.refreshed();
    assert.equal(await inspect('198.51.100.7'), 1);
    await inspector.refreshed();
    assert.deepEqual(lines, ['warn blocklist feed: 2 malformed line(s) skipped'], 'one warning for the same bad lines, however often reloaded');
  });

  test('a list that cannot be read fails prepare loudly, naming its path; the next call retries', async () => {
    const { lines, logger } = recordingLogger();
    const inspector = createBlocklistInspector({ sources: ['examples/blocklists/no-such-list.txt'] });
    await assert.rejects(prepareInspectors([inspector], logger), /cannot read blocklist no-such-list from \/\S+\/examples\/blocklists\/no-such-list\.txt: ENOENT/);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^error inspector blocklist could not prepare/);
    await assert.rejects(runInspector(inspector, { type: 'ipaddr', key: 'k', value: '203.0.113.9' }), /no-such-list/);
  });
});

describe('blocklist refresh', () => {
  const setup = (refreshIntervalMs: number) => {
    const clock = { t: 0 };
    const { lines, logger } = recordingLogger();
    const inspector = createBlocklistInspector({ sources: [`list=${base}/list.txt`], now: () => clock.t, refreshIntervalMs });
    const inspect = async (value: string) =>
      (await inspector.inspect(makeAttribute({ value }), { reportId: 'r', signal: new AbortController().signal, logger })).findings.length;
    return { clock, lines, logger, inspector, inspect };
  };

  test('loads once for concurrent first inspections; later ones never wait for a download', async () => {
    feed.body = '198.51.100.7\n';
    feed.gets = 0;
    const { clock, inspector, inspect } = setup(1000);
    assert.deepEqual(await Promise.all([inspect('198.51.100.7'), inspect('198.51.100.7'), inspect('203.0.113.9')]), [1, 1, 0]);
    assert.equal(feed.gets, 1);
    feed.body = '203.0.113.9\n';
    clock.t = 999;
    assert.equal(await inspect('203.0.113.9'), 0);
    assert.equal(feed.gets, 1, 'no reload before the interval');
    clock.t = 1000;
    assert.equal(await inspect('203.0.113.9'), 0, 'answers from the loaded list while the reload runs');
    await inspector.refreshed();
    assert.equal(feed.gets, 2);
    assert.equal(await inspect('203.0.113.9'), 1, 'the updated list is used');
  });

  test('a failed reload keeps the earlier list and warns; the next interval tries again', async () => {
    feed.body = '198.51.100.7\n';
    feed.gets = 0;
    const { clock, lines, inspector, inspect } = setup(1000);
    assert.equal(await inspect('198.51.100.7'), 1);
    feed.body = 503;
    clock.t = 5000;
    assert.equal(await inspect('198.51.100.7'), 1);
    await inspector.refreshed();
    assert.equal(await inspect('198.51.100.7'), 1, 'still listed');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^warn blocklist list refresh failed; keeping the list loaded earlier/);
    await inspector.refreshed();
    assert.equal(feed.gets, 2, 'no retry before another interval');
    feed.body = '203.0.113.9\n';
    clock.t = 6000;
    await inspect('203.0.113.9');
    await inspector.refreshed();
    assert.equal(await inspect('203.0.113.9'), 1);
  });

  test('a big list loads without blocking the event loop, so inspection budgets can fire', async () => {
    feed.body = Array.from({ length: 200_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`).join('\n');
    const { inspector, logger } = setup(60_000);
    let done = false;
    let ticks = 0;
    const loading = prepareInspectors([inspector], logger).finally(() => {
      done = true;
    });
    while (!done) {
      await sleep(1);
      ticks++;
    }
    await loading;
    // 200,000 lines are 10 slices; a parse in one piece would let the timer run about once.
    assert.ok(ticks >= 5, `timer ran ${ticks} times during the load`);
  });
});

describe('blocklistFromEnv', () => {
  test('reads comma-separated sources and the refresh interval', async () => {
    const inspector = blocklistFromEnv({ ALERTWARDEN_BLOCKLISTS: ` ${SAMPLE} , extra=${SAMPLE},`, ALERTWARDEN_BLOCKLIST_REFRESH_SECONDS: '60' });
    const result = await runInspector(inspector, { type: 'domain', key: 'd', value: 'bad.example.net' });
    assert.deepEqual(result.findings.map((f) => f.source), ['known-bad', 'extra']);
    assert.throws(() => blocklistFromEnv({ ALERTWARDEN_BLOCKLIST_REFRESH_SECONDS: '5m' }), /ALERTWARDEN_BLOCKLIST_REFRESH_SECONDS: "5m" is not a whole number of seconds/);
  });

  test('relative paths are read from ALERTWARDEN_CONFIG_DIR when set', async () => {
    const inspector = blocklistFromEnv({ ALERTWARDEN_BLOCKLISTS: 'known-bad.txt', ALERTWARDEN_CONFIG_DIR: new URL('../../examples/blocklists/', import.meta.url).pathname });
    assert.equal((await runInspector(inspector, { type: 'ipaddr', key: 'k', value: '198.51.100.7' })).findings.length, 1);
  });

  test('unset or empty gives an inspector that finds nothing', async () => {
    for (const env of [{}, { ALERTWARDEN_BLOCKLISTS: ' ' }]) {
      const inspector = blocklistFromEnv(env);
      assert.equal(inspector.name, 'blocklist');
      assert.deepEqual((await runInspector(inspector, { type: 'ipaddr', key: 'k', value: '203.0.113.9' })).findings, []);
    }
  });
});
