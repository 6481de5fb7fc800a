/**
 * dynalite's request type check (validations/index.js `checkTypes`), compiled once per type
 * description instead of interpreted on every request. The original, for each attribute value
 * of every item, matches a regular expression against the type name and builds a fresh
 * description object of the ten attribute types (with nested ones) before looking at the value:
 * a quarter of everything dynalite allocated, hence of its collection work.
 *
 * The compiled check returns what the original returns for every request it accepts: the same
 * copy (new containers, the same strings, Long/Integer/Short floored), with unknown and null
 * members deleted from the request as the original deletes them. Anything the original would
 * refuse or convert in an unusual way (a wrong JSON type, "TRUE" for a Boolean, a bad base64
 * Blob, an unknown type) is not decided here: the request goes to the original, whose error
 * and wording dynalite sends.
 *
 * Local code only: installed on dynalite's validations module by local/storage-servers.mjs.
 */

/** Not decided here: the original check answers. */
const UNDECIDED = Symbol('undecided');

const ATTRIBUTE_VALUE_CHILDREN = {
  S: 'String',
  B: 'Blob',
  N: 'String',
  BOOL: 'Boolean',
  NULL: 'Boolean',
  BS: { type: 'List', children: 'Blob' },
  NS: { type: 'List', children: 'String' },
  SS: { type: 'List', children: 'String' },
  L: { type: 'List', children: 'AttrStruct<ValueStruct>' },
  M: { type: 'Map<AttributeValue>', children: 'AttrStruct<ValueStruct>' },
};

const isObject = (val) => typeof val === 'object' && !Array.isArray(val);

/**
 * Compiles the check of one member's type description (what the original's `checkType(val,
 * type)` interprets), keyed by the description itself (its objects are module constants, so
 * each is compiled once) or, for a bare type name, by the name.
 */
const makeCompiler = () => {
  const byDescription = new WeakMap();
  const byName = new Map();

  const compile = (description) => {
    const cache = typeof description === 'string' ? byName : byDescription;
    let check = cache.get(description);
    if (!check) {
      // Placed first: attribute values are recursive (L and M hold attribute values).
      let compiled;
      check = (val) => compiled(val);
      cache.set(description, check);
      compiled = build(description);
    }
    return check;
  };

  /** The same reading of a description as the original's, step by step. */
  const build = (description) => {
    let type = description;
    let children = typeof type === 'object' ? type.children : undefined;
    if (typeof children === 'string') children = { type: children };
    if (typeof type === 'object' && type.type) type = type.type;
    if (typeof type !== 'string') return () => UNDECIDED;
    const generic = type.match(/(.+?)<(.+)>$/);
    let subtype;
    if (generic != null) {
      type = generic[1];
      subtype = generic[2];
    }
    if (type === 'AttrStruct') return compile({ type: `${subtype}<AttributeValue>`, children: ATTRIBUTE_VALUE_CHILDREN });

    switch (type) {
      case 'Boolean':
        return (val) => (val == null ? null : typeof val === 'boolean' ? val : UNDECIDED);
      case 'Short':
      case 'Integer':
      case 'Long':
        return (val) => (val == null ? null : typeof val === 'number' ? Math.floor(val) : UNDECIDED);
      case 'Double':
        return (val) => (val == null ? null : typeof val === 'number' ? val : UNDECIDED);
      case 'String':
        return (val) => (val == null ? null : typeof val === 'string' ? val : UNDECIDED);
      case 'Blob':
        return (val) => {
          if (val == null) return null;
          if (typeof val !== 'string' || val.length % 4 || Buffer.from(val, 'base64').toString('base64') != val) return UNDECIDED;
          return val;
        };
      case 'List':
      case 'ParameterizedList': {
        const child = compile(children);
        return (val) => {
          if (val == null) return null;
          if (!Array.isArray(val)) return UNDECIDED;
          const out = new Array(val.length);
          for (let i = 0; i < val.length; i++) {
            const checked = child(val[i]);
            if (checked === UNDECIDED) return UNDECIDED;
            out[i] = checked;
          }
          return out;
        };
      }
      case 'Map':
      case 'ParameterizedMap': {
        const child = compile(children);
        return (val) => {
          if (val == null) return null;
          if (!isObject(val)) return UNDECIDED;
          const out = {};
          for (const key of Object.keys(val)) {
            const checked = child(val[key]);
            if (checked === UNDECIDED) return UNDECIDED;
            out[key] = checked;
          }
          return out;
        };
      }
      case 'ValueStruct':
      case 'FieldStruct': {
        const struct = compileStruct(children);
        return (val) => (val == null ? null : isObject(val) ? struct(val) : UNDECIDED);
      }
      default:
        return () => UNDECIDED;
    }
  };

  /**
   * The original's `checkTypes(data, types)`: unknown and null members deleted, the known ones
   * checked in the types' order. The original checks a member absent from the data as null (left
   * out) whatever its type, so data with a single member (every attribute value: `{ S: '...' }`
   * among the ten types of AttributeValue) is checked on that member alone, not on all ten: about
   * half the CPU of a 25-item BatchWriteItem's check.
   */
  const structs = new WeakMap();
  const compileStruct = (types) => {
    let struct = structs.get(types);
    if (struct) return struct;
    let members;
    let checkOf;
    struct = (data) => {
      let present = 0;
      let only;
      for (const key in data) {
        if (!types[key] || data[key] == null) delete data[key];
        else {
          present++;
          only = key;
        }
      }
      members ??= Object.keys(types).map((key) => [key, compile(types[key])]);
      checkOf ??= new Map(members);
      if (present === 1 && checkOf.has(only)) {
        const checked = checkOf.get(only)(data[only]);
        if (checked === UNDECIDED) return UNDECIDED;
        const out = {};
        if (checked != null) out[only] = checked;
        return out;
      }
      const out = {};
      for (const [key, check] of members) {
        const checked = check(data[key]);
        if (checked === UNDECIDED) return UNDECIDED;
        if (checked != null) out[key] = checked;
      }
      return out;
    };
    structs.set(types, struct);
    return struct;
  };

  return compileStruct;
};

/**
 * dynalite's `checkTypes(data, types)` compiled: `stats.compiled` counts requests answered
 * here, `stats.original` those given to the original.
 */
export const compileTypeCheck = (originalCheckTypes) => {
  const compileStruct = makeCompiler();
  const stats = { compiled: 0, original: 0 };
  const checkTypes = (data, types) => {
    if (data !== null && typeof data === 'object' && types !== null && typeof types === 'object') {
      const checked = compileStruct(types)(data);
      if (checked !== UNDECIDED) {
        stats.compiled++;
        return checked;
      }
    }
    stats.original++;
    return originalCheckTypes(data, types);
  };
  return { checkTypes, stats };
};

/** Installs the compiled check on dynalite's validations module (found through a require rooted in dynalite's package). */
export const installTypeCheck = (requireFromDynalite) => {
  const validations = requireFromDynalite('./validations/index.js');
  const compiled = compileTypeCheck(validations.checkTypes);
  validations.checkTypes = compiled.checkTypes;
  return compiled;
};
