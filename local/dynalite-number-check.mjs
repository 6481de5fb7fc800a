/**
 * dynalite checks every attribute value of every item it is sent (validations/index.js
 * `validateAttributeValue`), and for each number builds a big.js number to check its magnitude
 * and significant digits: about a third of its request validation here, for numbers like
 * "3" or "1764547200".
 *
 * This check answers "valid" at once for values that are valid whatever dynalite's rules say
 * about them: strings, binaries, booleans, NULL true, maps and lists of such values, and numbers
 * written as big.js prints them, in at most 38 characters (at most 38 digits, so at most 38
 * significant digits and an exponent within -38..37, well inside DynamoDB's -130..125): for
 * those dynalite's rewrite of the number (`obj[attr] = bigNum.toFixed()`) changes nothing. Anything
 * else (sets, exponents, longer numbers, an empty or doubled type, NULL false) goes to dynalite's
 * own check, which finds and words the error as before.
 *
 * Local code only: installed on dynalite's validations module by local/storage-servers.mjs
 * (its validations call it through the module); nothing under node_modules is edited.
 */

// A number as dynalite leaves it: its check rewrites each number as big.js prints it ("1.50" as
// "1.5", "-0" as "0", "1e3" as "1000"), so only numbers already written so are answered here.
const CANONICAL_DECIMAL = /^-?(?:[1-9]\d*(?:\.\d*[1-9])?|0\.\d*[1-9])$|^0$/;

/** True only for a value dynalite's own check would accept. */
const surelyValid = (value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  let type;
  for (const key in value) {
    if (type !== undefined) return false;
    type = key;
  }
  const inner = value[type];
  switch (type) {
    case 'S':
    case 'B':
    case 'BOOL':
      return true;
    case 'NULL':
      return Boolean(inner);
    case 'N':
      return typeof inner === 'string' && inner.length <= 38 && CANONICAL_DECIMAL.test(inner);
    case 'M':
      if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return false;
      for (const key in inner) if (!surelyValid(inner[key])) return false;
      return true;
    case 'L':
      if (!Array.isArray(inner)) return false;
      for (let i = 0; i < inner.length; i++) if (!surelyValid(inner[i])) return false;
      return true;
    default:
      return false;
  }
};

/**
 * @param {(id: string) => any} requireFromDynalite a require resolving as dynalite's own modules do
 * @returns {{ fast: number, original: number }} values answered here and values left to dynalite (for the usage report)
 */
export const installNumberCheck = (requireFromDynalite) => {
  const validations = requireFromDynalite('./validations/index.js');
  if (validations.validateAttributeValue.numberCheckStats) return validations.validateAttributeValue.numberCheckStats;
  const stats = { fast: 0, original: 0 };
  const original = validations.validateAttributeValue;
  const validateAttributeValue = (value) => {
    if (surelyValid(value)) {
      stats.fast++;
      return undefined;
    }
    stats.original++;
    return original(value);
  };
  validateAttributeValue.numberCheckStats = stats;
  validateAttributeValue.original = original;
  validations.validateAttributeValue = validateAttributeValue;
  return stats;
};
