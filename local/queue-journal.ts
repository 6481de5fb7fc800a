/**
 * The local queue's durability. In AWS a message stays in SQS until the ingest function
 * acknowledges it, so a crash only delays it. Locally the queue lives in the process, so a
 * run with a state folder journals it: every record is appended before it is handed to ingest,
 * and its outcome (acknowledged, or moved to the dead-letter queue) once it is settled. On
 * restart, whatever was journaled and never settled is received again.
 *
 * Appends are synchronous on purpose: when `publish()` returns, the records are on disk (a
 * killed process loses nothing the page cache holds). A line cut short by a kill was never
 * acknowledged to the publisher, so it is skipped.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SQSRecord } from 'aws-lambda';

type Outcome = 'acked' | 'dead';

const readLines = (path: string): unknown[] => {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return line ? [JSON.parse(line) as unknown] : [];
      } catch {
        return []; // the last line of a killed run
      }
    });
};

export class QueueJournal {
  private readonly queuePath: string;
  private readonly outcomesPath: string;

  constructor(directory: string) {
    this.queuePath = join(directory, 'queue.jsonl');
    this.outcomesPath = join(directory, 'queue-outcomes.jsonl');
  }

  /** Records journaled by earlier runs: those never settled, and those that went to the dead-letter queue. */
  recover(): { pending: SQSRecord[]; dead: SQSRecord[] } {
    const outcomes = new Map<string, Outcome>();
    for (const entry of readLines(this.outcomesPath) as { id: string; outcome: Outcome }[]) outcomes.set(entry.id, entry.outcome);
    const pending: SQSRecord[] = [];
    const dead: SQSRecord[] = [];
    const seen = new Set<string>();
    for (const record of readLines(this.queuePath) as SQSRecord[]) {
      if (seen.has(record.messageId)) continue; // the same record delivered twice is one message
      seen.add(record.messageId);
      const outcome = outcomes.get(record.messageId);
      if (outcome === undefined) pending.push(record);
      else if (outcome === 'dead') dead.push(record);
    }
    return { pending, dead };
  }

  enqueued(records: readonly SQSRecord[]): void {
    if (records.length) appendFileSync(this.queuePath, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  settled(outcomes: readonly { id: string; outcome: Outcome }[]): void {
    if (outcomes.length) appendFileSync(this.outcomesPath, outcomes.map((o) => `${JSON.stringify(o)}\n`).join(''));
  }
}
