import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import { stateMachineOf, validatedMarker } from './engine.ts';

// A definition no other test builds (the marker is keyed by its text), so the first build here validates it.
const valid = () => ({ Comment: `engine.test ${process.pid} ${Date.now()}`, StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
const broken = () => ({ Comment: `engine.test broken ${process.pid} ${Date.now()}`, StartAt: 'Missing', States: { Done: { Type: 'Succeed' } } });

describe('definitions validated once, across processes', () => {
  test('a valid definition leaves a marker for the next process; an invalid one is refused and leaves none', async () => {
    const ok = valid();
    const okMarker = validatedMarker(JSON.stringify(ok))!;
    expect(existsSync(okMarker)).toBe(false);
    try {
      stateMachineOf(ok);
      expect(existsSync(okMarker)).toBe(true);
    } finally {
      await rm(okMarker, { force: true });
    }

    const bad = broken();
    expect(() => stateMachineOf(bad)).toThrow();
    expect(existsSync(validatedMarker(JSON.stringify(bad))!)).toBe(false);
  });

  test('a definition whose marker exists is not validated again (what saves the CLI its ajv time)', async () => {
    const bad = broken();
    const marker = validatedMarker(JSON.stringify(bad))!;
    await writeFile(marker, '');
    try {
      expect(() => stateMachineOf(bad)).not.toThrow();
    } finally {
      await rm(marker, { force: true });
    }
  });
});
