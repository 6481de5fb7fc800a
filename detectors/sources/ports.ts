/** What a detector source needs from the outside world, as ports: the edges are adapters/. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { AlertInput } from '../../core/alert.ts';
import type { PluginLogger } from '../../core/plugins.ts';
import type { FirstSeenStore } from '../first-seen.ts';
import type { Detectors } from '../index.ts';

export interface AlertPublisher {
  publish(alerts: readonly AlertInput[]): Promise<void>;
}

/** One S3 object as a notification names it; `version` tells two writes of one key apart. */
export interface S3ObjectRef {
  bucket: string;
  key: string;
  /** `v:<versionId>` in a versioned bucket, else `e:<eTag>:<sequencer>`; absent when the notice names neither (CloudTrail's own, whose keys are never reused). */
  version?: string;
}

/** This invocation's hold on one object, from `claim` until `complete` or `release`. */
export interface ObjectClaim {
  ref: S3ObjectRef;
  token: string;
}

/**
 * Which announced log files were read already. S3 event notifications are at-least-once, so
 * one object can be announced twice; reading it again would cost a download, the rules and
 * a publish per alert for nothing (ingest would fold the alerts into the same reports).
 */
export interface ReadObjectsLedger {
  /**
   * Takes the object for this invocation for `leaseMs`; undefined when it was read already or
   * another invocation holds it now (that one's own message is retried if it fails).
   */
  claim(ref: S3ObjectRef, leaseMs: number): Promise<ObjectClaim | undefined>;
  /** Marks the object read: announcements of it are no-ops from now on. */
  complete(claim: ObjectClaim): Promise<void>;
  /** Gives up a claim after a failed read, so the retry of the same message reads it. */
  release(claim: ObjectClaim): Promise<void>;
}

export interface SourceDeps {
  detectors: Detectors;
  firstSeen: FirstSeenStore;
  /** Only the file sources: repeated S3 notifications. */
  readObjects: ReadObjectsLedger;
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
