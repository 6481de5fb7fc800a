/**
 * What quarantine has already done, in the pipeline's table, so a re-review of the same
 * report (or a retried emit) never acts twice, and the hourly action cap holds across reports
 * and concurrent emits.
 *
 *   pk QUARANTINE#<reportId>   sk STEP#<resource>#<action>   one completed call and its result
 *   pk QUARANTINE#HOUR         sk <yyyy-mm-ddThh>            resources acted on in that UTC hour (n)
 *
 * The cap is a conditional ADD on one item per hour: two emits racing for the last slot cannot
 * both win. A slot is taken once per (report, resource) and remembered as a step.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export interface QuarantineLedger {
  /** The recorded result of a step done earlier for this report, if any. */
  done(reportId: string, stepKey: string): Promise<string | undefined>;
  record(reportId: string, stepKey: string, result: string): Promise<void>;
  /** One action slot in the current hour for this resource; false once the hour's cap is reached. */
  takeSlot(reportId: string, resource: string, cap: number): Promise<boolean>;
}

const HOUR_MS = 3_600_000;

export class DynamoDbQuarantineLedger implements QuarantineLedger {
  private readonly doc: DynamoDBDocumentClient;
  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly ttlDays: number,
    private readonly now: () => number = Date.now,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async done(reportId: string, stepKey: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: `QUARANTINE#${reportId}`, sk: `STEP#${stepKey}` }, ConsistentRead: true }),
    );
    return typeof Item?.result === 'string' ? Item.result : undefined;
  }

  async record(reportId: string, stepKey: string, result: string): Promise<void> {
    const at = this.now();
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `QUARANTINE#${reportId}`, sk: `STEP#${stepKey}`, result, at: new Date(at).toISOString(), expiresAt: Math.floor(at / 1000) + this.ttlDays * 86_400 },
      }),
    );
  }

  async takeSlot(reportId: string, resource: string, cap: number): Promise<boolean> {
    const slotKey = `${resource}#slot`;
    if ((await this.done(reportId, slotKey)) !== undefined) return true;
    const at = this.now();
    const hour = new Date(Math.floor(at / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: 'QUARANTINE#HOUR', sk: hour },
          UpdateExpression: 'ADD n :one SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(n) OR n < :cap',
          ExpressionAttributeValues: { ':one': 1, ':cap': cap, ':expires': Math.floor(at / 1000) + 2 * 86_400 },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
    await this.record(reportId, slotKey, `slot of hour ${hour}`);
    return true;
  }
}
