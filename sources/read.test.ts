import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { splitDocuments } from './read.ts';

describe('splitDocuments', () => {
  test('JSONL lines keep their line numbers, blank lines counted, a bad line included', () => {
    assert.deepEqual(splitDocuments('{"a":1}\n\n{oops\r\n{"b":2}\n', 'x.jsonl'), [
      { origin: 'x.jsonl:1', text: '{"a":1}' },
      { origin: 'x.jsonl:3', text: '{oops' },
      { origin: 'x.jsonl:4', text: '{"b":2}' },
    ]);
  });

  test('an array gives one document per element by index; one document is the file; nothing is nothing', () => {
    assert.deepEqual(splitDocuments('[{"a":1}, 2]', 'f.json'), [
      { origin: 'f.json[0]', text: '{"a":1}' },
      { origin: 'f.json[1]', text: '2' },
    ]);
    assert.deepEqual(splitDocuments(' {\n  "a": 1\n}\n', 'f.json'), [{ origin: 'f.json', text: '{"a":1}' }]);
    assert.deepEqual(splitDocuments(' \n', 'f.json'), []);
  });
});
