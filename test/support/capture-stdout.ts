import { vi } from 'vitest';

/**
 * What the code under test writes to stdout (Powertools' EMF lines and log records), kept
 * instead of printed. The spy stays until `vi.restoreAllMocks()`: call it in the test file's afterEach.
 */
export const captureStdout = (): string[] => {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
};
