export interface GcTotals {
  collections: number;
  /** Pauses of this thread, ms. */
  pauseMs: number;
  allocatedBytes: number;
}
export declare const startGcMeter: () => { read(): GcTotals; stop(): void };
