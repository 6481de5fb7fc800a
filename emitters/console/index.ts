/** Prints the human summary of each report: the local default, and CloudWatch Logs in Lambda. */
import { defineEmitter, type Emitter } from '../../core/plugins.ts';
import { formatReportSummary } from '../../core/summary.ts';

export interface ConsoleEmitterOptions {
  /** Where to write; process.stdout unless a test or a CLI passes its own. */
  stream?: NodeJS.WritableStream;
}

/**
 * @example
 * const emitters = [createConsoleEmitter()];
 */
export const createConsoleEmitter = (options: ConsoleEmitterOptions = {}): Emitter => {
  const stream = options.stream ?? process.stdout;
  return defineEmitter({
    name: 'console',
    async emit(report) {
      const text = `${formatReportSummary(report)}\n\n`;
      // Wait for the write callback so a closed stream is an emit failure, not a lost report.
      await new Promise<void>((resolve, reject) => {
        stream.write(text, (error) => (error ? reject(error) : resolve()));
      });
      return { status: 'delivered' };
    },
  });
};
