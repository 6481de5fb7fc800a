import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'vitest';
import { formatReportSummary } from '../../core/summary.ts';
import { makeEmitContext, makeReport } from '../../core/testing.ts';
import { createConsoleEmitter } from './index.ts';

const collector = () => {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
};

test('writes the summary of the report followed by a blank line', async () => {
  const { stream, text } = collector();
  const report = makeReport({ verdict: { severity: 'high', reason: 'listed' } });
  const result = await createConsoleEmitter({ stream }).emit(report, makeEmitContext());
  assert.deepEqual(result, { status: 'delivered' });
  assert.equal(text(), `${formatReportSummary(report)}\n\n`);
});

test('a failing stream makes the emit fail', async () => {
  const broken = new Writable({ write: (_c, _e, done) => done(new Error('EPIPE')) });
  broken.on('error', () => {});
  await assert.rejects(Promise.resolve(createConsoleEmitter({ stream: broken }).emit(makeReport(), makeEmitContext())), /EPIPE/);
});
