// node:test reporter for `npm run test:reliability`: counts leaf tests per file (tried, passed)
// and sums the alert figures tests publish as `alertwarden-metrics {...}` diagnostics
// (test/support/metrics.ts). Writes one JSON document; scripts/reliability.mjs prints the table.
const PREFIX = 'alertwarden-metrics ';

export default async function* reliabilityReporter(source) {
  const files = {};
  const row = (file) => (files[file ?? '(runner)'] ??= { tried: 0, passed: 0, sent: 0, inReports: 0, metrics: 0, notes: [] });
  for await (const event of source) {
    const { data } = event;
    if ((event.type === 'test:pass' || event.type === 'test:fail') && data.details?.type !== 'suite') {
      const r = row(data.file);
      r.tried++;
      if (event.type === 'test:pass' && !data.skip && !data.todo) r.passed++;
    } else if (event.type === 'test:diagnostic' && typeof data.message === 'string' && data.message.startsWith(PREFIX)) {
      const metrics = JSON.parse(data.message.slice(PREFIX.length));
      const r = row(data.file);
      r.metrics++;
      r.sent += metrics.sent;
      r.inReports += metrics.inReports;
      if (metrics.notes) r.notes.push(metrics.notes);
    }
  }
  yield `${JSON.stringify(files)}\n`;
}
