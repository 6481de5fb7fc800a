/**
 * dynalite parses every expression of every request with a PEG parser (db/conditionParser.js,
 * updateParser.js, projectionParser.js): with the store's ~17 calls per report that was ~18% of
 * dynalite's CPU, for a few dozen distinct expressions. This memo parses each
 * expression once and, on later calls, rebuilds what the parser would have returned.
 *
 * The parse is not a function of the text alone, so neither is the key:
 * - the parser resolves `#name`s and checks them against ExpressionAttributeNames: the whole
 *   mapping is in the key;
 * - it puts the very ExpressionAttributeValues objects into the tree and checks their types
 *   (e.g. `+` needs N, begins_with needs S or B): each value's key and type are in the key, and
 *   the tree is kept as a template with a marker where a value was, filled from each call's
 *   own values (so the tree holds that call's objects, as a parse would);
 * - it deletes the names and values it uses from the call's `unusedAttrNames`/`unusedAttrVals`
 *   (dynalite refuses unused ones afterwards): the used ones are recorded at the first parse
 *   and deleted again on every hit;
 * - two checks read a value's content, not its type: BETWEEN's bounds in order (checked again
 *   on each hit, falling back to the parser, which words the error) and attribute_type's type
 *   name (expressions naming attribute_type are not memoised).
 * Only successful parses are kept: errors and syntax errors come from the parser every time.
 * Each hit returns a fresh copy (sharing between nodes preserved), since dynalite keeps the tree
 * on the request and callers may change it.
 *
 * Local code only: installed on dynalite's parser modules by local/storage-servers.mjs; nothing
 * under node_modules is edited.
 */

const VALUE = Symbol('expression attribute value');
const TYPES = ['S', 'N', 'B', 'NULL', 'BOOL', 'SS', 'NS', 'BS', 'L', 'M'];

/** The type dynalite's parsers see in a value (the first present, in their order). */
const typeOf = (value) => {
  if (!value || typeof value !== 'object') return '?';
  for (const type of TYPES) if (value[type] != null) return type;
  return '?';
};

const keyOf = (text, context) => {
  let values = '';
  for (const name in context.attrVals ?? {}) values += `${name}=${typeOf(context.attrVals[name])};`;
  return `${context.isKeyCondition ? 'K' : '-'}\u0000${text}\u0000${JSON.stringify(context.attrNames ?? null)}\u0000${values}`;
};

const PLAIN = new Set([Object.prototype, Array.prototype, null]);

class NotPlainError extends Error {
  name = 'NotPlainError';
}

/**
 * A deep copy of a parse tree, keeping which nodes were the same object; `replace` may give a
 * node's stand-in instead of copying it. Anything but plain objects and arrays is refused:
 * the tree would not be copied faithfully.
 */
const copyTree = (node, replace, seen = new Map()) => {
  if (node === null || typeof node !== 'object') return node;
  const stand = replace(node);
  if (stand !== undefined) return stand;
  const already = seen.get(node);
  if (already) return already;
  const proto = Object.getPrototypeOf(node);
  if (!PLAIN.has(proto)) throw new NotPlainError('not a plain object');
  if (Array.isArray(node)) {
    const copy = new Array(node.length);
    seen.set(node, copy);
    for (let i = 0; i < node.length; i++) copy[i] = copyTree(node[i], replace, seen);
    return copy;
  }
  const copy = Object.create(proto);
  seen.set(node, copy);
  for (const key of Object.keys(node)) copy[key] = copyTree(node[key], replace, seen);
  return copy;
};

/** BETWEEN nodes whose two bounds are values, lower above upper (dynalite's own check, by content). */
const hasReversedBounds = (node, compare) => {
  if (node === null || typeof node !== 'object') return false;
  if (node.type === 'between' && Array.isArray(node.args)) {
    const [, lower, upper] = node.args;
    const literal = (v) => v && typeof v === 'object' && !Array.isArray(v) && !v.attrType && typeOf(v) !== '?';
    if (literal(lower) && literal(upper) && compare('GT', lower, upper)) return true;
  }
  for (const key of Object.keys(node)) if (hasReversedBounds(node[key], compare)) return true;
  return false;
};

/**
 * A dynalite parser's `parse(text, {context})` with its successful parses remembered (at most
 * `max` expressions, least recently used dropped first). `stats.parses` counts the parser's
 * own runs, `stats.hits` the answers rebuilt from memory.
 */
export const memoizeExpressionParser = (parse, { max = 500 } = {}) => {
  /** @type {Map<string, { template: unknown, usedNames: string[], usedValues: string[], between: boolean }>} */
  const memo = new Map();
  const stats = { parses: 0, hits: 0 };

  const parseOnce = (text, options) => {
    stats.parses++;
    return parse(text, options);
  };

  const memoized = (text, options) => {
    const context = options?.context;
    if (!context || typeof text !== 'string' || /attribute_type/i.test(text)) return parseOnce(text, options);
    const key = keyOf(text, context);
    const values = context.attrVals ?? {};
    const known = memo.get(key);
    if (known) {
      const tree = copyTree(known.template, (node) => (Object.hasOwn(node, VALUE) ? values[node[VALUE]] : undefined));
      if (!(known.between && hasReversedBounds(tree, context.compare))) {
        memo.delete(key);
        memo.set(key, known);
        for (const name of known.usedNames) delete context.unusedAttrNames?.[name];
        for (const name of known.usedValues) delete context.unusedAttrVals?.[name];
        stats.hits++;
        return tree;
      }
      return parseOnce(text, options);
    }

    // The first parse sees every declared name and value as unused, so what it uses is known
    // whatever an earlier expression of the same request already used.
    const unusedNames = Object.fromEntries(Object.keys(context.attrNames ?? {}).map((name) => [name, true]));
    const unusedValues = Object.fromEntries(Object.keys(values).map((name) => [name, true]));
    const result = parseOnce(text, { ...options, context: { ...context, unusedAttrNames: unusedNames, unusedAttrVals: unusedValues } });
    const usedNames = Object.keys(context.attrNames ?? {}).filter((name) => !(name in unusedNames));
    const usedValues = Object.keys(values).filter((name) => !(name in unusedValues));
    for (const name of usedNames) delete context.unusedAttrNames?.[name];
    for (const name of usedValues) delete context.unusedAttrVals?.[name];
    if (result === null || typeof result !== 'object') return result;

    const byObject = new Map(Object.entries(values).map(([name, value]) => [value, name]));
    let template;
    try {
      template = copyTree(result, (node) => (byObject.has(node) ? { [VALUE]: byObject.get(node) } : undefined));
    } catch (error) {
      if (error instanceof NotPlainError) return result;
      throw error;
    }
    memo.set(key, { template, usedNames, usedValues, between: /between/i.test(text) });
    if (memo.size > max) memo.delete(memo.keys().next().value);
    return result;
  };
  return { parse: memoized, stats, size: () => memo.size };
};

/**
 * Installs the memo on dynalite's three expression parsers, found through `requireFromDynalite`
 * (a require rooted in dynalite's package, so the modules are the ones its validations call).
 * Returns the parsers' counts, summed.
 */
export const installExpressionMemo = (requireFromDynalite, options) => {
  const memos = ['./db/conditionParser.js', './db/updateParser.js', './db/projectionParser.js'].map((path) => {
    const parser = requireFromDynalite(path);
    const memo = memoizeExpressionParser(parser.parse, options);
    parser.parse = memo.parse;
    return memo;
  });
  return {
    stats: () => memos.reduce((sum, memo) => ({ parses: sum.parses + memo.stats.parses, hits: sum.hits + memo.stats.hits }), { parses: 0, hits: 0 }),
  };
};
