/**
 * First-seen state of the detectors (which AMIs an account has launched), in the pipeline's
 * table:
 *
 *   pk = SEEN#<scope>   (e.g. SEEN#ami:111122223333)    sk = <value> (e.g. ami-0abcdef1234567890)
 *   firstSeenAt = ISO time;  no expiresAt: "never seen before" must mean never
 *
 * One conditional put per check: it both answers and records, so two concurrent invocations
 * cannot both report one image as new. A failed condition costs a write unit, which is why
 * callers only ask for values their rule matched (RunInstances), not for every record.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from './dynamodb-errors.ts';
import type { FirstSeenStore } from '../detectors/first-seen.ts';
import type { FirstSeenKey } from '../detectors/rule.ts';

export class DynamoDbFirstSeenStore implements FirstSeenStore {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async remember(key: FirstSeenKey): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `SEEN#${key.scope}`, sk: key.value, firstSeenAt: new Date(this.now()).toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
