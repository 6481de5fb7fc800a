/** Messages that are not one JSON object: refused whole, with the parser's own words. */
import { hostileCase, rejected } from '../registry.ts';

const notJson = rejected('', /^the SNS Message is not valid JSON \(.+\)$/);
const notObject = rejected('', 'an alert must be a JSON object');

hostileCase({ name: 'not JSON at all', input: { message: 'ALERT: root login from 198.51.100.7' }, expect: notJson });
hostileCase({ name: 'empty message', input: { message: '' }, expect: notJson });
hostileCase({ name: 'whitespace only', input: { message: ' \n\t ' }, expect: notJson });
hostileCase({ name: 'truncated after a key', input: { message: '{"detector":"guardduty","rule_id":' }, expect: notJson });
hostileCase({ name: 'truncated inside a string', input: { message: '{"detector":"guardd' }, expect: notJson });
hostileCase({ name: 'trailing garbage after the object', input: { message: '{"detector":"d","rule_id":"r"}}' }, expect: notJson });
hostileCase({ name: 'NUL byte between tokens', input: { message: '{"detector":"d",\u0000"rule_id":"r"}' }, expect: notJson });
hostileCase({ name: 'single-quoted keys (JavaScript, not JSON)', input: { message: "{'detector':'d','rule_id':'r'}" }, expect: notJson });
hostileCase({
  // The parser quotes what it could not read; the quote must not carry the bidi override to the terminal.
  name: 'not JSON, starting with a bidi override',
  input: { message: '\u202eALERT cleared' },
  expect: rejected('', /^the SNS Message is not valid JSON \(.*\\u202e.*\)$/),
});
hostileCase({ name: 'JSON null', input: { message: 'null' }, expect: notObject });
hostileCase({ name: 'a JSON array of alerts in one message', input: { message: '[{"detector":"d","rule_id":"r"}]' }, expect: notObject });
hostileCase({ name: 'a JSON number', input: { message: '42' }, expect: notObject });
hostileCase({ name: 'a JSON string', input: { message: '"alert"' }, expect: notObject });
