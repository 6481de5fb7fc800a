/** What a detector source needs from the outside world, as ports: the edges are adapters/. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { AlertInput } from '../../core/alert.ts';
import type { PluginLogger } from '../../core/plugins.ts';
import type { FirstSeenStore } from '../first-seen.ts';
import type { Detectors } from '../index.ts';

export interface AlertPublisher {
  publish(alerts: readonly AlertInput[]): Promise<void>;
}

export interface SourceDeps {
  detectors: Detectors;
  firstSeen: FirstSeenStore;
  publisher: AlertPublisher;
  /** Only the file sources read S3. */
  s3: () => Promise<S3Client>;
  logger: PluginLogger;
}

/** What one invocation did, logged and returned (tests read it). */
export interface SourceOutcome {
  records: number;
  alerts: number;
  /** Entries that were not records, each with where it was. */
  problems: string[];
}
