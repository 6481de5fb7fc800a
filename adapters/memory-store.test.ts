import { describeStoreContract } from './store.contract.ts';
import { MemoryReportArchive, MemoryReportStore } from './memory-store.ts';

describeStoreContract('in memory', async () => ({ store: new MemoryReportStore(), archive: new MemoryReportArchive(), stop: async () => undefined }));
