/**
 * The lines of a text stream, handed over a chunk's worth at a time and left in place: each
 * LineChunk is text[start, end), one or more whole lines separated by `\n` (the newline after
 * the last one excluded). node:readline cost ~0.55 µs a line (an event per line) and a split
 * per chunk a string per line, more than the flow-log parser needs for the line itself; the
 * caller reads the lines where they lie (FlowLogLineReader.readLines) and runs its synchronous
 * work on a whole chunk before it awaits anything.
 */
import { StringDecoder } from 'node:string_decoder';

export interface LineChunk {
  text: string;
  start: number;
  end: number;
}

export async function* lineChunks(stream: AsyncIterable<Buffer | string>): AsyncGenerator<LineChunk> {
  // A multi-byte character split between two chunks is held back until its last byte comes.
  const decoder = new StringDecoder('utf8');
  // The line the previous chunk left open: joined with its end when the next newline comes.
  let open = '';
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const first = text.indexOf('\n');
    if (first < 0) {
      open += text;
      continue;
    }
    if (open !== '') {
      const line = open + text.slice(0, first);
      yield { text: line, start: 0, end: line.length };
    } else yield { text, start: 0, end: first };
    const last = text.lastIndexOf('\n');
    if (last > first) yield { text, start: first + 1, end: last };
    open = text.slice(last + 1);
  }
  open += decoder.end();
  if (open !== '') yield { text: open, start: 0, end: open.length };
}

/** The lines of a chunk as strings: for callers that keep lines, and for tests. */
export const linesOf = (chunk: LineChunk): string[] => chunk.text.slice(chunk.start, chunk.end).split('\n');
