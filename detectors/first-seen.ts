/**
 * The state behind "never seen before" rules (ami-first-seen): a port with one operation,
 * remember-and-tell-if-new, so the check and the write are one atomic step (a conditional
 * put in DynamoDB, see adapters/first-seen-store.ts) and two concurrent invocations cannot
 * both call the same image new.
 */
import type { Detection } from './detect.ts';
import type { FirstSeenKey } from './rule.ts';

export interface FirstSeenStore {
  /** Records `key`; true when it had never been recorded before. */
  remember(key: FirstSeenKey): Promise<boolean>;
}

/** For the CLI and tests: state for one process. */
export class MemoryFirstSeenStore implements FirstSeenStore {
  private readonly seen = new Set<string>();
  async remember(key: FirstSeenKey): Promise<boolean> {
    const id = `${key.scope}\u0000${key.value}`;
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }
}

/** Drops detections of stateful rules whose value was seen before; others pass through. */
export const keepFirstSeen = async (detections: readonly Detection[], store: FirstSeenStore): Promise<Detection[]> => {
  const kept: Detection[] = [];
  for (const d of detections) {
    if (!d.firstSeen || (await store.remember(d.firstSeen))) kept.push(d);
  }
  return kept;
};
