import { describe, expect, test } from 'vitest';
import { lineChunks, linesOf as chunkLines, type LineChunk } from './lines.ts';

const chunksOf = async (chunks: (Buffer | string)[]) => {
  const out: LineChunk[] = [];
  for await (const chunk of lineChunks((async function* () { yield* chunks; })())) out.push(chunk);
  return out;
};
const linesOf = async (chunks: (Buffer | string)[]) => (await chunksOf(chunks)).flatMap(chunkLines);

describe('line chunks', () => {
  test('lines split across chunks are joined; the last line needs no newline', async () => {
    expect(await linesOf([Buffer.from('version srcaddr\n2 10.0'), Buffer.from('.1.25\n2 10.0.1.26')])).toEqual(['version srcaddr', '2 10.0.1.25', '2 10.0.1.26']);
    // A line longer than a chunk, and a chunk with no newline at all.
    expect(await linesOf(['2 10', '.0.1', '.25\n3 x\n4 y', ' z'])).toEqual(['2 10.0.1.25', '3 x', '4 y z']);
  });

  test('whole lines are handed over in place, as a range of the decoded chunk', async () => {
    const chunks = await chunksOf(['a b\nc d\ne f\ng']);
    expect(chunks.map(({ start, end }) => [start, end])).toEqual([[0, 3], [4, 11], [0, 1]]);
    expect(chunks[1]!.text).toBe('a b\nc d\ne f\ng');
    expect(chunks.flatMap(chunkLines)).toEqual(['a b', 'c d', 'e f', 'g']);
  });

  test('a multi-byte character cut between chunks survives whole', async () => {
    const bytes = Buffer.from('a é\nb ✓\n');
    expect(await linesOf([bytes.subarray(0, 3), bytes.subarray(3, 9), bytes.subarray(9)])).toEqual(['a é', 'b ✓']);
  });

  test('CRLF is left for the line reader, empty lines are kept, an empty stream has no lines', async () => {
    expect(await linesOf([Buffer.from('a\r\n\nb\r\n')])).toEqual(['a\r', '', 'b\r']);
    expect(await linesOf(['\n', '\n\nx\n'])).toEqual(['', '', '', 'x']);
    expect(await linesOf([])).toEqual([]);
  });
});
