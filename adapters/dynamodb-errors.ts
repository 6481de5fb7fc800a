import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * A conditional write or update that found its condition false. Matched by name too: an error
 * deserialised by another copy of the SDK (a bundled chunk, a test's client) is not an
 * instance of this copy's class.
 */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
