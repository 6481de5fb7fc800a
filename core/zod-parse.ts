import type * as z from 'zod';

/**
 * Parse options for a schema parsed once per process (configuration from the environment, a
 * policy file): zod v4 compiles an object schema's fast path with `new Function` on its first
 * parse, which pays off only over many parses. Measured on the Lambda bundles (Node 22, medians
 * of 15 fresh processes): the first configuration parse 1.5 ms CPU cheaper, the bundled review
 * policy's 2.1 ms. Schemas parsed per event (alerts, step inputs) keep the compiled path: an
 * alert parse takes 8 us with it and 11-13 us without.
 */
export const ONE_SHOT = { jitless: true } as const;

/** Parses of one schema made without the compiled fast path before it is compiled (warmParse). */
export const COMPILE_AFTER_PARSES = 100;

const parses = new WeakMap<z.ZodType, number>();

/**
 * safeParse for a schema parsed once per event (an alert, a step input): the first
 * COMPILE_AFTER_PARSES parses of the schema run without zod's compiled fast path, the later ones
 * with it. A cold start does not pay the compile (1.7 ms CPU for the alert schema, 2.0 ms for
 * the inspect step's input, measured on the Lambda bundles). Why 100: validateAlert over 10,000
 * alerts in fresh processes (Node 22, 4 interleaved pairs), CPU per thousand against compiling
 * at once: after 100 parses, within noise (total 226-375 ms vs 213-319); after 1,000, ~40 ms
 * more in all, because the compiled path then warms up in V8 only after the first thousand.
 */
export const warmParse = <S extends z.ZodType>(schema: S, value: unknown): z.ZodSafeParseResult<z.output<S>> => {
  const count = parses.get(schema) ?? 0;
  if (count >= COMPILE_AFTER_PARSES) return schema.safeParse(value);
  parses.set(schema, count + 1);
  return schema.safeParse(value, ONE_SHOT);
};
