import { describe, expect, test } from 'vitest';
import { lineBatches } from './lines.ts';

const linesOf = async (chunks: (Buffer | string)[]) => {
  const out: string[] = [];
  for await (const batch of lineBatches((async function* () { yield* chunks; })())) out.push(...batch);
  return out;
};

describe('line batches', () => {
  test('lines split across chunks are joined; the last line needs no newline', async () => {
    expect(await linesOf([Buffer.from('version srcaddr\n2 10.0'), Buffer.from('.1.25\n2 10.0.1.26')])).toEqual(['version srcaddr', '2 10.0.1.25', '2 10.0.1.26']);
  });

  test('a multi-byte character cut between chunks survives whole', async () => {
    const bytes = Buffer.from('a é\nb ✓\n');
    expect(await linesOf([bytes.subarray(0, 3), bytes.subarray(3, 9), bytes.subarray(9)])).toEqual(['a é', 'b ✓']);
  });

  test('CRLF is left for the line reader, empty lines are kept, an empty stream has no lines', async () => {
    expect(await linesOf([Buffer.from('a\r\n\nb\r\n')])).toEqual(['a\r', '', 'b\r']);
    expect(await linesOf([])).toEqual([]);
  });
});
