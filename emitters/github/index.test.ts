import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, test } from 'vitest';
import { makeAlert, makeAttribute, makeFinding, memoryEmitterState } from '../../core/testing.ts';
import { startLoopbackHttp, type LoopbackHttp, type RecordedRequest } from '../../test/support/loopback-http.ts';
import { contextFor, reportVersions } from '../../test/support/report-versions.ts';
import { githubSettingsFrom } from './config.ts';
import { createGitHubEmitter, issueMarkdownOf } from './index.ts';

const PARAMETER = '/alertwarden/test/github-token';
const TOKEN = 'ghp_testtokennotreal000000000000000000';
const secrets = { [PARAMETER]: TOKEN };
let github: LoopbackHttp;
const sleeps: number[] = [];
/** The REST endpoints the emitter uses, as GitHub answers them. */
const api = (request: RecordedRequest) => {
  if (request.method === 'POST' && request.path.endsWith('/issues')) return { status: 201, body: { number: 42, html_url: 'https://github.example/acme/incidents/issues/42' } };
  if (request.method === 'POST' && request.path.endsWith('/comments')) return { status: 201, body: { id: 7 } };
  return { status: 200, body: { number: 42 } };
};

beforeAll(async () => {
  github = await startLoopbackHttp(api);
});
afterAll(async () => {
  await github?.close();
});
beforeEach(() => {
  github.requests.length = 0;
  github.queue.length = 0;
  github.respond = api;
  sleeps.length = 0;
});

const emitter = (closeOnSafe = true) =>
  createGitHubEmitter({
    owner: 'acme',
    repo: 'incidents',
    tokenParameter: PARAMETER,
    apiUrl: `${github.url}/api/v3`,
    closeOnSafe,
    labels: ['alertwarden'],
    filter: { minSeverity: 'medium', rules: [], excludeRules: [] },
    retry: { sleep: async (ms) => void sleeps.push(ms) },
  });
const bodyOf = (i: number) => JSON.parse(github.requests[i]!.body) as Record<string, unknown>;

test('an issue per report, then a comment per version on the same issue; labels follow the severity; a safe re-review closes it', async () => {
  const state = memoryEmitterState();
  const versions = reportVersions();
  const results = [];
  for (const report of versions) results.push(await emitter().emit(report, contextFor(report, 'github', secrets, state)));
  assert.deepEqual(github.requests.map((r) => `${r.method} ${r.path}`), [
    'POST /api/v3/repos/acme/incidents/issues',
    'POST /api/v3/repos/acme/incidents/issues/42/comments',
    'PATCH /api/v3/repos/acme/incidents/issues/42',
    'POST /api/v3/repos/acme/incidents/issues/42/comments',
    'PATCH /api/v3/repos/acme/incidents/issues/42',
  ]);
  assert.equal(github.requests[0]!.headers.authorization, `token ${TOKEN}`);
  assert.deepEqual(bodyOf(0).labels, ['alertwarden', 'severity:high']);
  assert.equal(bodyOf(0).title, '[HIGH] Contact with a Tor exit node (example-detector)');
  assert.match(String(bodyOf(1).body), /^### Update, version 2: CRITICAL/);
  assert.deepEqual(bodyOf(2), { title: '[CRITICAL] Contact with a Tor exit node (example-detector)', labels: ['alertwarden', 'severity:critical'] });
  assert.deepEqual(bodyOf(4), { title: '[SAFE] Contact with a Tor exit node (example-detector)', labels: ['alertwarden', 'severity:safe'], state: 'closed', state_reason: 'not_planned' });
  assert.deepEqual(results.map((r) => r.detail), ['GitHub issue #42 opened', 'GitHub issue #42: comment added', 'GitHub issue #42: comment added, closed (safe)']);
  assert.ok(!JSON.stringify(results).includes(TOKEN));
});

test('closing is configurable; a later non-safe review reopens a closed issue; a retried version is filed once', async () => {
  const [preliminary, final, safe] = reportVersions();
  const kept = memoryEmitterState();
  for (const report of [preliminary, safe]) await emitter(false).emit(report, contextFor(report, 'github', secrets, kept));
  assert.equal(bodyOf(2).state, undefined, 'left open when closeOnSafe is false');
  github.requests.length = 0;
  const closed = memoryEmitterState();
  for (const report of [preliminary, safe, { ...final, version: 4 }]) await emitter().emit(report, contextFor(report, 'github', secrets, closed));
  assert.equal(bodyOf(2).state, 'closed');
  assert.equal(bodyOf(4).state, 'open');
  const again = await emitter().emit({ ...final, version: 4 }, contextFor({ ...final, version: 4 }, 'github', secrets, closed));
  assert.deepEqual(again, { status: 'delivered', detail: 'already filed for this version' });
  assert.equal(github.requests.length, 5);
});

test('a secondary rate limit (403 + Retry-After) and a 502 are retried; a 404 (wrong repository) fails at once', async () => {
  github.queue.push({ status: 403, headers: { 'retry-after': '5' }, body: { message: 'You have exceeded a secondary rate limit' } }, { status: 502, body: { message: 'bad gateway' } });
  const [preliminary] = reportVersions();
  assert.equal((await emitter().emit(preliminary, contextFor(preliminary, 'github', secrets, memoryEmitterState()))).status, 'delivered');
  assert.deepEqual(sleeps, [5000, 1000]);
  github.respond = () => ({ status: 404, body: { message: 'Not Found' } });
  github.requests.length = 0;
  await assert.rejects(Promise.resolve(emitter().emit(preliminary, contextFor(preliminary, 'github', secrets, memoryEmitterState()))), (e: Error) => e.message === 'github: HTTP 404');
  assert.equal(github.requests.length, 1);
});

test('attacker text in the issue cannot mention, reference, link, embed an image or HTML', () => {
  const hostile = '@acme/security-team @octocat #1 ![x](https://evil.example/p.png) [click](https://evil.example) <img src=x onerror=alert(1)> `code` **b**';
  const [, final] = reportVersions({
    rule_name: hostile,
    alerts: [makeAlert({ description: hostile })],
    attributes: [makeAttribute({ type: 'username', key: hostile, value: hostile })],
    findings: [makeFinding({ title: hostile, inspector: 'blocklist' })],
  });
  const markdown = issueMarkdownOf({ ...final, verdict: { severity: 'critical', reason: hostile } }, 'https://soc.example/r/(1)');
  // Outside inline code spans nothing of the attacker's text may remain active.
  const outside = markdown.replace(/`[^`\n]*`/g, '');
  assert.doesNotMatch(outside, /@acme|@octocat|#1\b|!\[|\]\(https:\/\/evil|<img|\*\*b\*\*/);
  assert.match(outside, /\[Full report, version 2\]\(<https:\/\/soc\.example\/r\/\(1\)>\)/);
  assert.ok(markdown.includes('`@acme/security-team @octocat #1'), 'the text is still shown, literally');
});

test('settings: repository owner/name required; enterprise URL kept without a trailing slash; close-on-safe true or false', () => {
  assert.equal(githubSettingsFrom({}), undefined);
  assert.throws(() => githubSettingsFrom({ ALERTWARDEN_GITHUB_TOKEN_PARAMETER: PARAMETER }), /ALERTWARDEN_GITHUB_REPOSITORY: required/);
  const settings = githubSettingsFrom({ ALERTWARDEN_GITHUB_TOKEN_PARAMETER: PARAMETER, ALERTWARDEN_GITHUB_REPOSITORY: 'acme/incidents', ALERTWARDEN_GITHUB_API_URL: 'https://github.example.com/api/v3/' });
  assert.deepEqual(settings, {
    owner: 'acme',
    repo: 'incidents',
    tokenParameter: PARAMETER,
    apiUrl: 'https://github.example.com/api/v3',
    closeOnSafe: true,
    labels: ['alertwarden'],
    filter: { minSeverity: 'medium', rules: [], excludeRules: [] },
  });
  assert.throws(() => githubSettingsFrom({ ALERTWARDEN_GITHUB_TOKEN_PARAMETER: PARAMETER, ALERTWARDEN_GITHUB_REPOSITORY: 'acme/incidents', ALERTWARDEN_GITHUB_CLOSE_ON_SAFE: 'yes' }), /must be true or false/);
});
