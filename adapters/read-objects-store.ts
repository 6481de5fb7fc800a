/**
 * Which announced log files the file sources have read, in the pipeline's table:
 *
 *   pk = READ#<bucket>/<key>    sk = <version> (v:<versionId> | e:<eTag>:<sequencer> | -)
 *   state = reading | read;  token (the claiming invocation's);  leaseUntilMs;  expiresAt (TTL)
 *
 * A claim is one conditional put that succeeds when the object was never claimed, when its
 * marker has expired, or when a reader's lease has run out (it crashed or timed out). A read
 * marker lives as long as SQS may keep and redeliver a notification (14 days at most). TTL
 * deletion is lazy, so expiry is part of the condition, never assumed.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './dynamodb-errors.ts';
import type { ObjectClaim, ReadObjectsLedger, S3ObjectRef } from '../detectors/sources/ports.ts';

/** SQS keeps a message 14 days at most: no notification of an object can come later than that. */
export const READ_MARKER_SECONDS = 14 * 86_400;

const keyOf = (ref: S3ObjectRef) => ({ pk: `READ#${ref.bucket}/${ref.key}`, sk: ref.version ?? '-' });


export class DynamoDbReadObjectsLedger implements ReadObjectsLedger {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async claim(ref: S3ObjectRef, leaseMs: number): Promise<ObjectClaim | undefined> {
    const nowMs = this.now();
    const token = randomUUID();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keyOf(ref), state: 'reading', token, leaseUntilMs: nowMs + leaseMs, expiresAt: Math.ceil((nowMs + leaseMs) / 1000) + 3600 },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :nowSeconds OR (#state = :reading AND leaseUntilMs < :nowMs)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':nowSeconds': Math.floor(nowMs / 1000), ':nowMs': nowMs, ':reading': 'reading' },
        }),
      );
      return { ref, token };
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async complete(claim: ObjectClaim): Promise<void> {
    const nowMs = this.now();
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keyOf(claim.ref), state: 'read', token: claim.token, readAt: new Date(nowMs).toISOString(), expiresAt: Math.floor(nowMs / 1000) + READ_MARKER_SECONDS },
      }),
    );
  }

  async release(claim: ObjectClaim): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keyOf(claim.ref),
          // Only our own claim: after a lapsed lease another invocation may hold it now.
          ConditionExpression: '#state = :reading AND #token = :token',
          ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
          ExpressionAttributeValues: { ':reading': 'reading', ':token': claim.token },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
