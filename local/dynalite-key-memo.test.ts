import { createRequire } from 'node:module';
import { afterAll, expect, test } from 'vitest';
import { installKeyMemo } from './dynalite-key-memo.mjs';

// dynalite's db module (this test's copy, shared with other unit files: restored after the file).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
type Key = Record<string, Record<string, unknown>>;
interface Table {
  KeySchema: { AttributeName: string; KeyType: string }[];
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
}
const db = fromDynalite('./db/index.js') as { createKey: (item: Key, table: Table, keySchema?: Table['KeySchema']) => string };
const original = db.createKey;

afterAll(() => {
  db.createKey = original;
});

const table = (hash: string, range?: string): Table => ({
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, ...(range ? [{ AttributeName: 'sk', KeyType: 'RANGE' }] : [])],
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: hash }, ...(range ? [{ AttributeName: 'sk', AttributeType: range }] : [])],
});
const VALUES: Record<string, string[]> = {
  // '1' and 'AAECAw==' are also an N and a B value: the same text of another type is another key.
  S: ['REPORT#1', 'REPORT#2', 'é😀 \u0000 x', 'a'.repeat(2048), '/', '1', 'AAECAw=='],
  N: ['0', '-0', '1', '-1', '1.5', '-99.1', '1e5', '-1E-5', '123456789012345678901234567890', '0.0001'],
  B: ['AAECAw==', 'aGVsbG8=', '/w=='],
};

test('store keys are those dynalite builds, for every key type, with and without a range key, and for an index schema', () => {
  const stats = installKeyMemo(fromDynalite);
  expect(installKeyMemo(fromDynalite), 'installed twice: one memo').toBe(stats);
  let compared = 0;
  for (let pass = 0; pass < 2; pass++) {
    for (const [hashType, hashes] of Object.entries(VALUES)) {
      for (const rangeType of [undefined, 'S', 'N', 'B']) {
        const described = table(hashType, rangeType);
        for (const hash of hashes) {
          for (const range of rangeType ? VALUES[rangeType]! : [undefined]) {
            const item: Key = { pk: { [hashType]: hash }, ...(range !== undefined ? { sk: { [rangeType!]: range } } : {}), other: { S: 'not part of the key' } };
            expect(db.createKey(item, described), `${hashType} ${hash} ${rangeType ?? ''} ${range ?? ''}`).toBe(original(item, described));
            compared++;
          }
        }
      }
    }
  }
  // An index's key schema given explicitly: its own attributes, the table's definitions.
  const indexed: Table = { KeySchema: table('S').KeySchema, AttributeDefinitions: [...table('S', 'N').AttributeDefinitions, { AttributeName: 'due', AttributeType: 'N' }] };
  const schema = [{ AttributeName: 'sk', KeyType: 'HASH' }, { AttributeName: 'due', KeyType: 'RANGE' }];
  const item = { pk: { S: 'REPORT#1' }, sk: { N: '7' }, due: { N: '1764547200' } };
  expect(db.createKey(item, indexed, schema)).toBe(original(item, indexed, schema));
  // Each distinct hash key computed once; the second pass came from memory.
  expect(stats.computed, `${compared} keys compared`).toBe(Object.values(VALUES).flat().length + 1);
  expect(stats.hits).toBe(compared - stats.computed + 1);
  // A value that is not a string (never valid on the wire) is left to dynalite's own code.
  const odd = { pk: { N: 5 } } as unknown as Key;
  expect(db.createKey(odd, table('N'))).toBe(original(odd, table('N')));
  expect(stats.original).toBe(1);
});

test('memory is bounded: the least recently used hash key goes first', () => {
  db.createKey = original;
  const stats = installKeyMemo(fromDynalite, { max: 2 });
  const key = (pk: string) => db.createKey({ pk: { S: pk } }, table('S'));
  for (const pk of ['a', 'b', 'a', 'c', 'a', 'b']) key(pk);
  // a, b computed; a hit; c computed (b dropped); a hit; b computed again.
  expect(stats).toStrictEqual({ hits: 2, computed: 4, original: 0 });
  db.createKey = original;
});
