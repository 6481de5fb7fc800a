import * as z from 'zod';
import { AlertWardenError, formatPath } from '../core/errors.ts';
import { warmParse } from '../core/zod-parse.ts';

export class InvalidStepInputError extends AlertWardenError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStepInputError';
  }
}

/** Step inputs come from our own state machine; a mismatch means the ASL and the code disagree. */
export const parseEvent = <S extends z.ZodType>(schema: S, event: unknown): z.output<S> => {
  const parsed = warmParse(schema, event);
  if (!parsed.success) {
    throw new InvalidStepInputError(
      `step input does not match: ${parsed.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
};

/** What a Catch puts at its ResultPath: `Error` (the name) and `Cause` (for Lambda, its JSON error document). */
export const CaughtErrorSchema = z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional();
