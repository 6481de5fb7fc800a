import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { installExpressionMemo, memoizeExpressionParser, type DynaliteParse } from './dynalite-expression-memo.mjs';

// dynalite's own modules, as its request validation uses them (this test's copies: the storage
// worker has its own).
const fromDynalite = createRequire(import.meta.resolve('dynalite'));
const validations = fromDynalite('./validations/index.js') as { validateExpressions(data: Request): string | undefined };
const PARSERS = ['./db/conditionParser.js', './db/updateParser.js', './db/projectionParser.js'];
const parserModules = PARSERS.map((path) => fromDynalite(path) as { parse: DynaliteParse });
const originals = parserModules.map((module) => module.parse);

afterEach(() => {
  parserModules.forEach((module, i) => (module.parse = originals[i]!));
});

type Value = Record<string, unknown>;
interface Request {
  UpdateExpression?: string;
  ConditionExpression?: string;
  KeyConditionExpression?: string;
  FilterExpression?: string;
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, Value>;
  [parsed: `_${string}`]: unknown;
}

/** What dynalite makes of a request's expressions: its error, or the parse trees it keeps on the request. */
const validate = (request: Request) => {
  const message = validations.validateExpressions(request);
  const { _updates, _condition, _keyCondition, _filter, _projection } = request;
  return { message, trees: { _updates, _condition, _keyCondition, _filter, _projection } };
};

const s = (v: string) => ({ S: v });
const n = (v: number) => ({ N: String(v) });

/**
 * Requests as the stores send them (adapters/*.ts), then the cases where the parse depends on
 * more than the text. Each is a function of a seed: the same expressions with other values.
 */
const CASES: Record<string, (seed: number) => Request> = {
  'window claim': (i) => ({ ConditionExpression: 'attribute_not_exists(pk) OR windowEndsAtMs <= :now', ExpressionAttributeValues: { ':now': n(1_700_000 + i) } }),
  'round start': (i) => ({
    UpdateExpression: 'SET running = :t, dirty = :t, round = round + :one, sweepShard = :shard, sweepAt = :deadline REMOVE lastError',
    ConditionExpression: 'attribute_exists(pk) AND running = :f',
    ExpressionAttributeValues: { ':t': { BOOL: true }, ':f': { BOOL: false }, ':one': n(1), ':shard': s(`shard-${i % 4}`), ':deadline': n(99 + i) },
  }),
  'counter with if_not_exists': (i) => ({
    UpdateExpression: 'SET used = if_not_exists(used, :zero) + :one, expiresAt = :exp',
    ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
    ExpressionAttributeValues: { ':zero': n(0), ':one': n(1), ':exp': n(5000 + i), ':limit': n(10 + i) },
  }),
  'emission lease': (i) => ({
    UpdateExpression: 'SET #status = :pending, leaseUntilMs = :until, leaseToken = :token',
    ConditionExpression: 'attribute_not_exists(pk) OR (#status <> :delivered AND (attribute_not_exists(leaseUntilMs) OR leaseUntilMs <= :now))',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':pending': s('pending'), ':delivered': s('delivered'), ':until': n(i + 60_000), ':token': s(`t${i}`), ':now': n(i) },
  }),
  'key condition with BETWEEN and a projection': (i) => ({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ProjectionExpression: 'sk, #attribute',
    ExpressionAttributeNames: { '#attribute': 'attribute' },
    ExpressionAttributeValues: { ':pk': s(`REPORT#${i}`), ':from': s('ATTR#'), ':to': s('RESULT$') },
  }),
  'key condition with begins_with': (i) => ({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)', ExpressionAttributeValues: { ':pk': s(`R#${i}`), ':prefix': s('EMIT#') } }),
  'filter and projection': (i) => ({ FilterExpression: 'sk = :meta AND size(findings) > :none', ProjectionExpression: 'reportId, findings[0].verdict', ExpressionAttributeValues: { ':meta': s(`META${i % 1}`), ':none': n(0) } }),
  'a name used by two expressions': (i) => ({
    UpdateExpression: 'SET #state = :reading',
    ConditionExpression: '#state = :reading AND #token = :token',
    ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
    ExpressionAttributeValues: { ':reading': s('reading'), ':token': s(`tok-${i}`) },
  }),
  'the same value in two places': (i) => ({ ConditionExpression: 'a = :v OR b = :v', ExpressionAttributeValues: { ':v': s(`same-${i}`) } }),
  'nested and list values': (i) => ({ UpdateExpression: 'SET doc = :doc, tags = list_append(tags, :more)', ExpressionAttributeValues: { ':doc': { M: { a: s(`x${i}`) } }, ':more': { L: [n(i)] } } }),
  // Errors: each comes from the parser, whatever was remembered before.
  'BETWEEN with its bounds reversed (content, not type)': (i) => ({
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ProjectionExpression: 'sk, #attribute',
    ExpressionAttributeNames: { '#attribute': 'attribute' },
    ExpressionAttributeValues: { ':pk': s(`REPORT#${i}`), ':from': s(i === 0 ? 'RESULT$' : 'ATTR#'), ':to': s(i === 0 ? 'ATTR#' : 'RESULT$') },
  }),
  'attribute_type with a bad type name (content, not type)': (i) => ({ ConditionExpression: 'attribute_type(a, :t)', ExpressionAttributeValues: { ':t': s(i === 0 ? 'NOPE' : 'S') } }),
  'arithmetic on a string value (type)': (i) => ({ UpdateExpression: 'SET round = round + :one', ExpressionAttributeValues: { ':one': i === 0 ? s('1') : n(1) } }),
  'an unused value': (i) => ({ ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':unused': n(i) } }),
  'an undefined name (names)': (i) => ({ ConditionExpression: '#missing = :v', ExpressionAttributeNames: { [i === 0 ? '#other' : '#missing']: 'x' }, ExpressionAttributeValues: { ':v': n(i) } }),
  'another mapping of the same name (names)': (i) => ({ ConditionExpression: '#a = :v', ExpressionAttributeNames: { '#a': i === 0 ? 'pk' : 'sk' }, ExpressionAttributeValues: { ':v': n(i) } }),
  'a reserved word': (i) => ({ ConditionExpression: 'status = :v', ExpressionAttributeValues: { ':v': n(i) } }),
  'a syntax error': (i) => ({ UpdateExpression: 'SET a = = :v', ExpressionAttributeValues: { ':v': n(i) } }),
};

const EXPRESSIONS = ['UpdateExpression', 'ConditionExpression', 'KeyConditionExpression', 'FilterExpression', 'ProjectionExpression'] as const;

const install = (max?: number) => installExpressionMemo(fromDynalite, max === undefined ? undefined : { max });

describe('dynalite expression memo', () => {
  test.each(Object.entries(CASES))('%s: the same answer as dynalite, from memory', (name, make) => {
    const parsed = make(0);
    const expected = validate(parsed);
    const memo = install();
    validate(make(1)); // remembered with other values (or, for the error cases, a valid variant)
    const request = make(0);
    const actual = validate(request);
    expect(actual).toStrictEqual(expected);
    expect(isDeepStrictEqual(actual, expected), 'prototypes and aliasing included').toBe(true);
    // The trees hold the request's own value objects, as the parser's do.
    const held = (r: Request, trees: unknown) => Object.entries(r.ExpressionAttributeValues ?? {}).filter(([, v]) => containsObject(trees, v)).map(([k]) => k);
    expect(held(request, actual.trees)).toStrictEqual(held(parsed, expected.trees));
    const expressions = EXPRESSIONS.filter((key) => parsed[key] !== undefined).length;
    // The cases marked (names), (type) or (content) differ from their variant in what the key holds.
    if (!expected.message && !name.includes('(')) expect(memo.stats(), 'every expression answered from memory').toStrictEqual({ parses: expressions, hits: expressions });
  });

  test('each distinct expression is parsed once, however often it is sent', () => {
    const memo = install();
    const distinct = new Set<string>();
    for (let i = 0; i < 50; i++) {
      for (const name of ['window claim', 'round start', 'emission lease', 'key condition with BETWEEN and a projection', 'filter and projection']) {
        const request = CASES[name]!(i + 2);
        for (const key of EXPRESSIONS) {
          if (request[key]) distinct.add(`${key}:${request[key]}`);
        }
        expect(validate(request).message).toBeUndefined();
      }
    }
    const { parses, hits } = memo.stats();
    expect(`${parses} parses, ${hits} hits for ${distinct.size} distinct expressions`).toBe(`${distinct.size} parses, ${50 * distinct.size - distinct.size} hits for ${distinct.size} distinct expressions`);
  });

  test('each answer is a fresh copy: changing one tree does not change the next', () => {
    install();
    const first = CASES['round start']!(1);
    validate(first);
    const second = CASES['round start']!(2);
    const { trees } = validate(second);
    (trees._updates as { sections: unknown[] }).sections.length = 0;
    (trees._condition as { expression: { type?: string } }).expression.type = 'tampered';
    const third = validate(CASES['round start']!(3));
    expect(third).toStrictEqual(validate(CASES['round start']!(3)));
    expect((third.trees._updates as { sections: unknown[] }).sections.length).toBeGreaterThan(0);
    expect((third.trees._condition as { expression: { type?: string } }).expression.type).not.toBe('tampered');
  });

  test('memory is bounded: the least recently used expression goes first', () => {
    const parse = originals[0]!;
    const memo = memoizeExpressionParser(parse, { max: 2 });
    const context = (text: string) => ({ context: { attrVals: { ':v': n(1) }, unusedAttrNames: {}, unusedAttrVals: { ':v': true }, isReserved: () => false, compare: () => false, text } });
    for (const text of ['a = :v', 'b = :v', 'a = :v', 'c = :v', 'a = :v', 'b = :v']) memo.parse(text, context(text));
    // a, b parsed; a hit; c parsed (b dropped); a hit; b parsed again.
    expect({ ...memo.stats, size: memo.size() }).toStrictEqual({ parses: 4, hits: 2, size: 2 });
  });
});

const containsObject = (tree: unknown, target: object, seen = new Set<unknown>()): boolean => {
  if (tree === target) return true;
  if (tree === null || typeof tree !== 'object' || seen.has(tree)) return false;
  seen.add(tree);
  return Object.values(tree).some((child) => containsObject(child, target, seen));
};
