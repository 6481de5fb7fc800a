/**
 * What a local run holds open lives as long as the runtime: the file emitter keeps one
 * descriptor on the report file across every emit, and `stop()` releases it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { descriptorTargets } from '../support/open-descriptors.ts';
import { startTestPipeline } from '../support/pipeline.ts';

const descriptorsOn = (path: string) => descriptorTargets().filter((target) => target === path).length;

test.skipIf(!existsSync('/proc/self/fd'))('30 reports emitted over one descriptor on the report file, closed by stop()', async () => {
  const pipeline = await startTestPipeline({ storage: 'memory' });
  let stopped = false;
  try {
    const path = join(pipeline.runtime.env.ALERTWARDEN_FILE_EMITTER_PATH!);
    await pipeline.runtime.publish(
      Array.from({ length: 90 }, (_, n) =>
        JSON.stringify({
          detector: 'stop',
          rule_id: 'scanner-contact',
          alert_key: `host-${n % 30}`,
          attributes: [{ type: 'ipaddr', key: 'remote', value: `198.51.100.${n % 30}`, context: ['remote'] }],
        }),
      ),
    );
    await pipeline.runtime.drain();
    const emitted = await pipeline.emitted();
    const whileRunning = descriptorsOn(path);
    await pipeline.runtime.stop();
    stopped = true;
    const afterStop = descriptorsOn(path);
    assert.equal(new Set(emitted.map((r) => r.id)).size, 30, `${emitted.length} lines for ${new Set(emitted.map((r) => r.id)).size} reports`);
    assert.equal(whileRunning, 1, `${whileRunning} descriptors open on the report file after ${emitted.length} emits`);
    assert.equal(afterStop, 0, `${afterStop} descriptors left open on the report file after stop()`);
  } finally {
    if (!stopped) await pipeline.runtime.stop();
    await pipeline.stop().catch(() => undefined);
  }
});
