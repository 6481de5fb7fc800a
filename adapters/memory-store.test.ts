import { describeRoundLifecycleContract } from './rounds.contract.ts';
import { describeStoreContract } from './store.contract.ts';
import { MemoryReportArchive, MemoryReportStore } from './memory-store.ts';

describeStoreContract('in memory', async ({ now }) => ({
  store: new MemoryReportStore({ now, recordSightings: true }),
  storeWithoutSightings: new MemoryReportStore({ now }),
  archive: new MemoryReportArchive(),
  stop: async () => undefined,
}));

describeRoundLifecycleContract('in memory', async ({ roundDeadlineMs, now }) => ({ store: new MemoryReportStore({ roundDeadlineMs, now }), stop: async () => undefined }));
