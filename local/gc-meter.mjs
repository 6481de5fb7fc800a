/**
 * Garbage collection on the calling thread (its own V8 heap), for the bench: collections, their
 * pauses, and the bytes allocated. V8 gives no running total of allocation, so it is read off
 * the collections: what the heap held before each one, less what it held after the previous
 * one (plus what it holds now, less after the last).
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

/**
 * Starts counting; `read()` gives the totals since the start. While it runs, V8 records the
 * heap at each collection (a small cost per collection), so only measurements start one.
 */
export const startGcMeter = () => {
  let profiler = new GCProfiler();
  profiler.start();
  const totals = { collections: 0, pauseMs: 0, allocatedBytes: 0 };
  let heldAfterLast = getHeapStatistics().used_heap_size;
  const harvest = () => {
    const { statistics } = profiler.stop();
    for (const gc of statistics) {
      totals.collections++;
      totals.pauseMs += gc.cost / 1000;
      totals.allocatedBytes += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - heldAfterLast);
      heldAfterLast = gc.afterGC.heapStatistics.usedHeapSize;
    }
    profiler = new GCProfiler();
    profiler.start();
  };
  return {
    /** Collections, their pauses (ms, this thread) and the bytes allocated since the start. */
    read() {
      harvest();
      const now = getHeapStatistics().used_heap_size;
      return { ...totals, allocatedBytes: totals.allocatedBytes + Math.max(0, now - heldAfterLast) };
    },
    stop: () => void profiler.stop(),
  };
};
