/** The `error` object a Catch puts in the state: `Cause` may be Lambda's JSON error document. */
export interface CaughtError {
  Error?: string;
  Cause?: string;
}

export const describeCaughtError = (caught: CaughtError | undefined): { error: string; message: string } => {
  const error = caught?.Error ?? 'Error';
  let message = caught?.Cause ?? '';
  try {
    const cause = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') message = cause.errorMessage;
  } catch {
    // Not JSON: a States.* error carries plain text.
  }
  return { error: error.slice(0, 256), message: message.slice(0, 2048) };
};
