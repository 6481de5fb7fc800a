import { expect, test } from 'vitest';
import { startGcMeter } from './gc-meter.mjs';

test('the bytes allocated are read off the collections, across several of them', () => {
  const meter = startGcMeter();
  let kept: number[][] = [];
  // 8,000 arrays of 1,024 doubles: 8 KiB each, ~65.5 MB in all, mostly garbage by the end.
  for (let i = 0; i < 8000; i++) {
    kept.push(new Array<number>(1024).fill(i + 0.5));
    if (kept.length > 100) kept = [];
  }
  const { allocatedBytes, collections, pauseMs } = meter.read();
  meter.stop();
  const mb = allocatedBytes / 1e6;
  expect(collections, `${collections} collections`).toBeGreaterThan(1);
  expect(pauseMs).toBeGreaterThan(0);
  expect(mb, `allocated ${mb.toFixed(1)} MB for ~65.5 MB of arrays`).toBeGreaterThan(60);
  expect(mb).toBeLessThan(80);
  expect(kept.length).toBeLessThanOrEqual(101);
});
