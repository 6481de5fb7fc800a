/**
 * Hostile cases of the slack emitter (run by test/corpus/corpus.test.ts with every other
 * `*.hostile.ts`): the final report the pipeline produced from the alert, rendered as the Slack
 * message, must hold no mention, link or channel token wherever the attacker put one.
 */
import assert from 'node:assert/strict';
import { alertWith, attributeWith, hostileCase, neutralised } from '../../test/corpus/registry.ts';
import { slackMessageOf } from './message.ts';

const SLACK_CONTROL = /<[!@#]|<https?:|<mailto:/i;
const noSlackControl = neutralised(({ report }) => {
  const message = slackMessageOf(report, { update: true });
  assert.doesNotMatch(JSON.stringify(message), SLACK_CONTROL, 'the Slack message holds a mention or link token');
});

hostileCase({ name: 'slack: <!channel> in a rule name', input: alertWith({ rule_name: '<!channel> root login' }), expect: noSlackControl });
hostileCase({
  name: 'slack: mentions and a disguised link in a user agent',
  input: alertWith({ description: 'ConsoleLogin, userAgent: Mozilla/5.0 <!here> <@U0ADMIN> <https://evil.example|aws.amazon.com>' }),
  expect: noSlackControl,
});
hostileCase({ name: 'slack: a channel link in a user name entity', input: attributeWith({ value: 'alice<#C0GENERAL|general>' }), expect: noSlackControl });
hostileCase({ name: 'slack: <!everyone> in a rule id', input: alertWith({ rule_id: 'r <!everyone>' }), expect: noSlackControl });
