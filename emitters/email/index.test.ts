import assert from 'node:assert/strict';
import { beforeEach, test } from 'vitest';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { makeAlert, memoryEmitterState } from '../../core/testing.ts';
import { contextFor, reportVersions } from '../../test/support/report-versions.ts';
import { emailSettingsFrom } from './config.ts';
import { createEmailEmitter, recipientsFor } from './index.ts';

const client = new SESv2Client({ region: 'us-east-1' });
const ses = mockClient(client);
beforeEach(() => {
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

const recipients = { low: ['secops@example.com'], critical: ['ciso@example.com', 'secops@example.com'] };
let created = 0;
const emitter = () =>
  createEmailEmitter({ from: 'alertwarden@example.com', recipients, filter: { minSeverity: 'low', rules: [], excludeRules: [] }, client: () => (created++, client) });

test('one SendEmail per version, recipients by severity, the all-clear to everyone told before; exact calls', async () => {
  created = 0;
  const state = memoryEmitterState();
  const versions = reportVersions();
  const url = 'https://soc.example/r/1?v=2&x="y"';
  const results = [];
  const e = emitter();
  for (const report of versions) results.push(await e.emit(report, { ...contextFor(report, 'email', {}, state), reportUrl: url }));
  const calls = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
  assert.equal(created, 1, 'the client is created once, on first use');
  assert.deepEqual(calls.map((c) => c.Destination?.ToAddresses), [['secops@example.com'], ['secops@example.com', 'ciso@example.com'], ['secops@example.com', 'ciso@example.com']]);
  assert.deepEqual(
    calls.map((c) => c.Content?.Simple?.Subject?.Data),
    [
      '[AlertWarden] HIGH: Contact with a Tor exit node (1 alert)',
      '[AlertWarden] Update: CRITICAL: Contact with a Tor exit node (11 alerts)',
      '[AlertWarden] Update: SAFE: Contact with a Tor exit node (11 alerts)',
    ],
  );
  const first = calls[0]!;
  assert.equal(first.FromEmailAddress, 'alertwarden@example.com');
  assert.deepEqual(first.EmailTags, [{ Name: 'alertwarden-severity', Value: 'high' }, { Name: 'alertwarden-version', Value: '1' }]);
  assert.match(first.Content!.Simple!.Body!.Text!.Data!, /^Report .*: version 1 \(preliminary\)\n/);
  assert.match(first.Content!.Simple!.Body!.Text!.Data!, /Full report: https:\/\/soc\.example\/r\/1\?v=2&x="y"\n$/);
  assert.ok(first.Content!.Simple!.Body!.Html!.Data!.includes('<a href="https://soc.example/r/1?v=2&amp;x=&quot;y&quot;">'));
  assert.deepEqual(results.map((r) => r.detail), ['SES message ses-1 to 1 recipient', 'SES message ses-1 to 2 recipients', 'SES message ses-1 to 2 recipients']);
});

test('the HTML body escapes attacker text; a retried version is not mailed twice; SES errors reach the pipeline', async () => {
  const [preliminary] = reportVersions({ rule_name: '<script>alert(1)</script>', alerts: [makeAlert({ description: '<img src=x onerror=alert(1)> "quoted" & \'single\'' })] });
  const state = memoryEmitterState();
  const e = emitter();
  await e.emit(preliminary, contextFor(preliminary, 'email', {}, state));
  const again = await e.emit(preliminary, contextFor(preliminary, 'email', {}, state));
  assert.deepEqual(again, { status: 'delivered', detail: 'already sent for this version' });
  const calls = ses.commandCalls(SendEmailCommand);
  assert.equal(calls.length, 1);
  const html = calls[0]!.args[0].input.Content!.Simple!.Body!.Html!.Data!;
  assert.doesNotMatch(html, /<script|<img/);
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  ses.on(SendEmailCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
  await assert.rejects(Promise.resolve(emitter().emit(preliminary, contextFor(preliminary, 'email', {}, memoryEmitterState()))), /Rate exceeded/);
});

test('recipients: each list gets reports at or above its severity; below every list nothing is sent', async () => {
  assert.deepEqual(recipientsFor(recipients, 'medium'), ['secops@example.com']);
  assert.deepEqual(recipientsFor(recipients, 'critical'), ['secops@example.com', 'ciso@example.com']);
  const [preliminary] = reportVersions();
  const onlyCritical = createEmailEmitter({ from: 'a@example.com', recipients: { critical: ['ciso@example.com'] }, filter: { minSeverity: 'low', rules: [], excludeRules: [] }, client: () => client });
  assert.deepEqual(await onlyCritical.emit(preliminary, contextFor(preliminary, 'email', {}, memoryEmitterState())), { status: 'skipped', detail: 'no recipients for severity high' });
  assert.equal(ses.commandCalls(SendEmailCommand).length, 0);
});

test('settings: from and at least one list; every address checked, naming the variable and index', () => {
  assert.equal(emailSettingsFrom({}), undefined);
  assert.throws(() => emailSettingsFrom({ ALERTWARDEN_EMAIL_FROM: 'a@example.com' }), /at least one recipient list/);
  assert.throws(() => emailSettingsFrom({ ALERTWARDEN_EMAIL_FROM: 'a@example.com', ALERTWARDEN_EMAIL_TO_HIGH: 'x@example.com, not-an-address' }), /ALERTWARDEN_EMAIL_TO_HIGH\[1\]: not an e-mail address/);
  assert.deepEqual(emailSettingsFrom({ ALERTWARDEN_EMAIL_FROM: 'a@example.com', ALERTWARDEN_EMAIL_TO_HIGH: 'x@example.com' }), {
    from: 'a@example.com',
    recipients: { high: ['x@example.com'] },
    filter: { minSeverity: 'low', rules: [], excludeRules: [] },
  });
});
