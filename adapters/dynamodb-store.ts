/**
 * ReportStore over one DynamoDB table (pk/sk strings, TTL on `expiresAt`).
 *
 * Key design:
 *   pk ALERT#<alertId>        sk WINDOW                       which report the alert id aggregates into now
 *   pk REPORT#<reportId>      sk META                         ReportState (rounds, dirty flag, versions, verdict)
 *   pk REPORT#<reportId>      sk ALERT#<fingerprint>          one member alert (dedup: conditional put)
 *   pk REPORT#<reportId>      sk ATTR#<attributeId>           one attribute, with depth and origin
 *   pk REPORT#<reportId>      sk RESULT#<attributeId>#<insp>  findings or the failure of one inspection
 *   pk REPORT#<reportId>      sk EMIT#<version>#<emitter>     one delivery of one version; while an attempt
 *                                                             runs, its lease (leaseUntilMs, leaseToken)
 *   pk REPORT#<reportId>      sk STATE#<emitter>              an emitter's own state for the report (Slack
 *                                                             thread, issue number), JSON text, all versions
 *   pk REJECTED#<yyyy-mm-dd>  sk <iso time>#<messageId>[#<item>]  an input refused at ingest, with the reason (item: which one of a message carrying several)
 *   pk FAILED#<yyyy-mm-dd>    sk EMIT#<reportId>#<version>#<emitter> | ROUND#<reportId>#<round>
 *                                                             work given up after retries (the workflow's DLQ)
 *   pk REPORT#<reportId>      sk BUDGET#<name>                lookups of a costly service this report took (atomic counter)
 *   pk SEEN#<sightingKey>     sk <iso time>#<reportId>        the attribute value joined that report then (correlation)
 *   pk SEEN#<scope>           sk <value>                      detectors' first-seen state (adapters/first-seen-store.ts;
 *                                                             scopes such as ami:<account>)
 *   pk READ#<bucket>/<key>    sk <version>                    a log file the file sources claimed or read
 *                                                             (adapters/read-objects-store.ts)
 *
 * Index `sweep` (sparse, keys only): sweepShard ROUND, sweepAt <epoch ms>. Only META items of
 * reports with a round running or a retry scheduled carry both attributes, so the sweeper
 * reads the few reports it must look at, never the table. One partition key value: rounds
 * change state a few times per report, far below a partition's write limit.
 *
 * SEEN# (correlation): sightingKeyOf(type, value) hashes the value, not the attribute key, so
 * "which earlier reports had this IP" is one Query on pk, newest first, bounded by a sort-key
 * range (sk >= the window start), never a Scan. A sighting is written only while
 * `recordSightings` is on (the correlation inspector is enabled), only for an attribute new to
 * the report, in the same BatchWriteItem as the attribute (addMembers) or just before it
 * (addAttributes): one small item (~120 bytes, 1 WRU) per new (report, attribute), none for the
 * repeats of a storm. It expires with the report's other items (TTL). A redelivery may write a
 * second sighting for the same report; readers merge sightings per report. The report's rule,
 * detector and severity are read from its META at query time (one BatchGetItem), so a verdict
 * given after the sighting is the one shown.
 *
 * A member alert and an inspection's findings are stored as JSON text, not as DynamoDB maps:
 * alert bodies and finding details are arbitrary JSON, and the SDK's marshaller drops a
 * `__proto__` key and throws on a `constructor` key, which would turn one odd alert into a
 * dead-lettered message and one odd finding into a lost verdict.
 *
 * No transactions: every multi-item step is ordered so that a crash between two writes is
 * repaired by the SQS redelivery (see core/pipeline.ts ingestAlert), and every state change
 * of META is a conditional update on that single item. TTL deletion is lazy, so expiry is
 * also checked in conditions (windowEndsAtMs), never assumed.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isConditionalCheckFailed } from './dynamodb-errors.ts';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DocumentClient,
  GetCommand,
  paginateQuery,
  paginateScan,
  PutCommand,
  UpdateCommand,
  type QueryCommandInput,
} from './dynamodb-document.ts';
import type { AttributeType } from '../core/alert.ts';
import { reportIdOf, sightingKeyOf } from '../core/ids.ts';
import type { Emission, Finding, InspectionFailure, ReportAlert, ReportAttribute, Severity } from '../core/report.ts';
import { ReportNotFoundError } from '../core/errors.ts';
import type {
  EmissionClaim,
  InspectionResult,
  Membership,
  OpenReportInput,
  PastReport,
  PipelineFailure,
  Rejection,
  ReportSnapshot,
  ReportState,
  ReportStore,
  ReportWindow,
  SightingQuery,
} from '../core/store.ts';
import { newReportState } from '../core/store.ts';

const reportPk = (reportId: string) => `REPORT#${reportId}`;
const emissionSk = (version: number, emitter: string) => `EMIT#${String(version).padStart(6, '0')}#${emitter}`;
const META = 'META';
export const SWEEP_INDEX = 'sweep';
const SWEEP_SHARD = 'ROUND';
const DAY_SECONDS = 86_400;
/** BatchGetItem takes up to 100 keys, BatchWriteItem up to 25 puts. */
const BATCH_GET_KEYS = 100;
const BATCH_WRITE_ITEMS = 25;
/** Unprocessed keys or items (throttling) are sent again this many times, with a growing pause, before the call fails. */
const BATCH_ATTEMPTS = 8;

type Key = { pk: string; sk: string };
const keyOf = (item: Key) => `${item.pk}\u0000${item.sk}`;
const slices = <T>(items: T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};
const pause = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));


export interface DynamoDbReportStoreOptions {
  tableName: string;
  /** Items live this long past the report window, then TTL removes them. */
  ttlDays: number;
  /** How long a claimed round may run before the sweeper takes it for dead. */
  roundDeadlineMs: number;
  /** Record where each attribute value was seen (SEEN# items) for the correlation inspector. */
  recordSightings?: boolean;
  now?: () => number;
}

export class DynamoDbReportStore implements ReportStore {
  private readonly doc: DocumentClient;
  private readonly table: string;
  private readonly ttlSeconds: number;
  private readonly now: () => number;
  private readonly roundDeadlineMs: number;
  private readonly recordSightings: boolean;

  constructor(client: DynamoDBClient, options: DynamoDbReportStoreOptions) {
    this.recordSightings = options.recordSightings ?? false;
    this.doc = DocumentClient.from(client);
    this.table = options.tableName;
    this.ttlSeconds = options.ttlDays * DAY_SECONDS;
    this.now = options.now ?? Date.now;
    this.roundDeadlineMs = options.roundDeadlineMs;
  }

  private deadline() {
    return this.now() + this.roundDeadlineMs;
  }

  private expiresAt(fromMs: number) {
    return Math.floor(fromMs / 1000) + this.ttlSeconds;
  }

  async openReport(input: OpenReportInput): Promise<ReportState> {
    const { window, opened } = await this.putWindow(input);
    return opened
      ? this.createState(window.reportId, input.alertId, input.alert, window.createdAtMs, window.windowEndsAtMs)
      : this.ensureState(window.reportId, input.alertId, input.alert, window.createdAtMs, window.windowEndsAtMs);
  }

  async openWindow(input: OpenReportInput): Promise<ReportWindow> {
    return (await this.putWindow(input)).window;
  }

  /** `opened`: this call wrote the pointer (a new window), rather than finding an open one. */
  private async putWindow({ alertId, nowMs, windowMs }: OpenReportInput): Promise<{ window: ReportWindow; opened: boolean }> {
    // The write first: ingest asks only after finding no open window, so it nearly always
    // succeeds; when a window is open the condition fails and the pointer is read instead.
    for (let attempt = 0; attempt < 3; attempt++) {
      const reportId = reportIdOf(alertId, nowMs);
      const windowEndsAtMs = nowMs + windowMs;
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `ALERT#${alertId}`, sk: 'WINDOW', reportId, createdAtMs: nowMs, windowEndsAtMs, expiresAt: this.expiresAt(windowEndsAtMs) },
            ConditionExpression: 'attribute_not_exists(pk) OR windowEndsAtMs <= :now',
            ExpressionAttributeValues: { ':now': nowMs },
          }),
        );
        return { window: { reportId, alertId, createdAtMs: nowMs, windowEndsAtMs }, opened: true };
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
      const pointer = await this.doc.send(
        new GetCommand({ TableName: this.table, Key: { pk: `ALERT#${alertId}`, sk: 'WINDOW' }, ConsistentRead: true }),
      );
      const item = pointer.Item as { reportId: string; windowEndsAtMs: number; createdAtMs: number } | undefined;
      // Absent or ended again: the window was replaced in between; try the write once more.
      if (item && item.windowEndsAtMs > nowMs) {
        return { window: { reportId: item.reportId, alertId, createdAtMs: item.createdAtMs, windowEndsAtMs: item.windowEndsAtMs }, opened: false };
      }
    }
    throw new Error(`could not open a report for alert id ${alertId}: window pointer kept changing`);
  }

  /**
   * A put that fails when META exists: every field is new, so no if_not_exists (createState's
   * twelve cost the local server a parse each call) and no read back (the item is what we wrote).
   */
  async startReport(window: ReportWindow, alert: OpenReportInput['alert']): Promise<ReportState | undefined> {
    const state: ReportState = {
      ...newReportState(window, alert),
      running: true,
      dirty: true,
      round: 1,
      sweepAt: this.deadline(),
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: reportPk(window.reportId), sk: META, ...state, sweepShard: SWEEP_SHARD, expiresAt: this.expiresAt(window.windowEndsAtMs) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return state;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Creates META if absent: a crash after the window pointer was written is repaired here.
   * A read first, because META nearly always exists and a read costs a fifth of a write.
   */
  private async ensureState(
    reportId: string,
    alertId: string,
    alert: OpenReportInput['alert'],
    createdAtMs: number,
    windowEndsAtMs: number,
  ): Promise<ReportState> {
    const existing = await this.getState(reportId);
    if (existing) return existing;
    return this.createState(reportId, alertId, alert, createdAtMs, windowEndsAtMs);
  }

  /** Every field only if absent: a concurrent creator or a repaired crash keeps what is there. */
  private async createState(
    reportId: string,
    alertId: string,
    alert: OpenReportInput['alert'],
    createdAtMs: number,
    windowEndsAtMs: number,
  ): Promise<ReportState> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: reportPk(reportId), sk: META },
        UpdateExpression:
          'SET reportId = if_not_exists(reportId, :rid), alertId = if_not_exists(alertId, :aid), detector = if_not_exists(detector, :det), ' +
          'rule_id = if_not_exists(rule_id, :rule), createdAt = if_not_exists(createdAt, :created), windowEndsAt = if_not_exists(windowEndsAt, :ends), ' +
          'running = if_not_exists(running, :f), round = if_not_exists(round, :zero), startedRound = if_not_exists(startedRound, :zero), ' +
          'dirty = if_not_exists(dirty, :f), version = if_not_exists(version, :zero), expiresAt = if_not_exists(expiresAt, :exp)' +
          (alert.rule_name !== undefined ? ', rule_name = if_not_exists(rule_name, :rname)' : '') +
          (alert.alert_key !== undefined ? ', alert_key = if_not_exists(alert_key, :akey)' : ''),
        ExpressionAttributeValues: {
          ':rid': reportId,
          ':aid': alertId,
          ':det': alert.detector,
          ':rule': alert.rule_id,
          ':created': new Date(createdAtMs).toISOString(),
          ':ends': new Date(windowEndsAtMs).toISOString(),
          ':f': false,
          ':zero': 0,
          ':exp': this.expiresAt(windowEndsAtMs),
          ...(alert.rule_name !== undefined ? { ':rname': alert.rule_name } : {}),
          ...(alert.alert_key !== undefined ? { ':akey': alert.alert_key } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toState(result.Attributes);
  }

  async findOpenReports(alertIds: string[], nowMs: number): Promise<Map<string, string>> {
    const items = await this.batchGet(
      [...new Set(alertIds)].map((alertId) => ({ pk: `ALERT#${alertId}`, sk: 'WINDOW' })),
      { consistent: true, projection: 'pk, reportId, windowEndsAtMs' },
    );
    const open = new Map<string, string>();
    for (const item of items.values()) {
      if (Number(item.windowEndsAtMs) > nowMs) open.set(String(item.pk).slice('ALERT#'.length), String(item.reportId));
    }
    return open;
  }

  async getStates(reportIds: string[]): Promise<Map<string, ReportState>> {
    const items = await this.batchGet([...new Set(reportIds)].map((id) => ({ pk: reportPk(id), sk: META })), { consistent: true });
    return new Map([...items.values()].map((item) => [String(item.reportId), toState(item)]));
  }

  /**
   * One consistent read of the memberships and of the attributes they bring, then puts in
   * batches of 25: three calls or so for a batch of ten alerts where the single-alert path
   * took about sixty. BatchWriteItem has no conditions, so "not yet there" comes from the read:
   * two deliveries of one alert racing both write the same membership item (one item, same
   * content), and the follow-up steps are idempotent. An attribute an inspector adds between
   * the read and the write is overwritten by the alert's own (depth 0) copy of it.
   */
  async addMembers(members: Membership[]): Promise<{ added: boolean; registered: boolean }[]> {
    const memberKey = (m: Membership) => ({ pk: reportPk(m.reportId), sk: `ALERT#${m.alert.fingerprint}` });
    const attributeItems = new Map<string, { key: Key; reportId: string; attribute: ReportAttribute }>();
    for (const m of members) {
      for (const attribute of m.attributes) {
        const key = { pk: reportPk(m.reportId), sk: `ATTR#${attribute.id}` };
        if (!attributeItems.has(keyOf(key))) attributeItems.set(keyOf(key), { key, reportId: m.reportId, attribute });
      }
    }
    const existing = await this.batchGet([...members.map(memberKey), ...[...attributeItems.values()].map((a) => a.key)], {
      consistent: true,
      projection: 'pk, sk, registered',
    });
    const results = members.map((m) => {
      const found = existing.get(keyOf(memberKey(m)));
      return found ? { added: false, registered: found.registered === true } : { added: true, registered: false };
    });
    const wanted = new Set(members.filter((_, i) => !results[i]!.registered).flatMap((m) => m.attributes.map((a) => keyOf({ pk: reportPk(m.reportId), sk: `ATTR#${a.id}` }))));
    const expiresAt = this.expiresAt(this.now());
    const newAttributes = [...attributeItems.entries()].filter(([k]) => wanted.has(k) && !existing.has(k)).map(([, a]) => a);
    await this.batchPut([
      ...members
        .filter((_, i) => results[i]!.added)
        .map((m) => ({ ...memberKey(m), alertJson: JSON.stringify(m.alert), registered: false, expiresAt })),
      ...newAttributes.map((a) => ({ ...a.key, attribute: a.attribute, expiresAt })),
      ...(this.recordSightings ? this.sightingItems(newAttributes) : []),
    ]);
    return results;
  }

  async markMembersRegistered(members: Membership[]): Promise<void> {
    const expiresAt = this.expiresAt(this.now());
    await this.batchPut(
      members.map((m) => ({ pk: reportPk(m.reportId), sk: `ALERT#${m.alert.fingerprint}`, alertJson: JSON.stringify(m.alert), registered: true, expiresAt })),
    );
  }

  private async batchGet(keys: Key[], options: { consistent: boolean; projection?: string }): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const unique = [...new Map(keys.map((k) => [keyOf(k), k])).values()];
    for (const slice of slices(unique, BATCH_GET_KEYS)) {
      let request: Record<string, unknown>[] = slice;
      for (let attempt = 0; request.length > 0; attempt++) {
        if (attempt === BATCH_ATTEMPTS) throw new Error(`BatchGetItem left ${request.length} keys unprocessed after ${BATCH_ATTEMPTS} attempts`);
        if (attempt > 0) await pause(attempt);
        const result = await this.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [this.table]: {
                Keys: request,
                ConsistentRead: options.consistent,
                ...(options.projection ? { ProjectionExpression: options.projection } : {}),
              },
            },
          }),
        );
        for (const item of result.Responses?.[this.table] ?? []) found.set(keyOf(item as Key), item);
        request = (result.UnprocessedKeys?.[this.table]?.Keys as Record<string, unknown>[] | undefined) ?? [];
      }
    }
    return found;
  }

  private async batchPut(items: Record<string, unknown>[]): Promise<void> {
    for (const slice of slices(items, BATCH_WRITE_ITEMS)) {
      let request = slice.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; request.length > 0; attempt++) {
        if (attempt === BATCH_ATTEMPTS) throw new Error(`BatchWriteItem left ${request.length} items unprocessed after ${BATCH_ATTEMPTS} attempts`);
        if (attempt > 0) await pause(attempt);
        const result = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: request } }));
        request = (result.UnprocessedItems?.[this.table] as typeof request | undefined) ?? [];
      }
    }
  }

  async getState(reportId: string): Promise<ReportState | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: reportPk(reportId), sk: META }, ConsistentRead: true }),
    );
    return result.Item ? toState(result.Item) : undefined;
  }

  async addAlert(reportId: string, alert: ReportAlert): Promise<{ added: boolean; registered: boolean }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: reportPk(reportId),
            sk: `ALERT#${alert.fingerprint}`,
            alertJson: JSON.stringify(alert),
            registered: false,
            expiresAt: this.expiresAt(this.now()),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { added: true, registered: false };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const existing = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: reportPk(reportId), sk: `ALERT#${alert.fingerprint}` },
          ProjectionExpression: 'registered',
          ConsistentRead: true,
        }),
      );
      return { added: false, registered: existing.Item?.registered === true };
    }
  }

  async markAlertRegistered(reportId: string, fingerprint: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: reportPk(reportId), sk: `ALERT#${fingerprint}` },
        UpdateExpression: 'SET registered = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': true },
      }),
    );
  }

  async addAttributes(reportId: string, attributes: ReportAttribute[]): Promise<number> {
    const known = await this.knownAttributeIds(reportId, attributes);
    let added = 0;
    // Sequential on purpose: at most 100 per alert, and parallel puts just trade latency for throttling.
    for (const attribute of attributes) {
      if (known.has(attribute.id)) continue;
      if (this.recordSightings) await this.doc.send(new PutCommand({ TableName: this.table, Item: this.sightingItem(reportId, attribute) }));
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: reportPk(reportId), sk: `ATTR#${attribute.id}`, attribute, expiresAt: this.expiresAt(this.now()) },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        added++;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    return added;
  }

  /** One per (report, value): a value under two attribute keys is one sighting, and BatchWriteItem refuses duplicate keys. */
  private sightingItems(added: { reportId: string; attribute: ReportAttribute }[]): Record<string, unknown>[] {
    const items = new Map<string, Record<string, unknown>>();
    for (const { reportId, attribute } of added) {
      const item = this.sightingItem(reportId, attribute);
      items.set(keyOf(item as Key), item);
    }
    return [...items.values()];
  }

  private sightingItem(reportId: string, attribute: Pick<ReportAttribute, 'type' | 'value'>): Record<string, unknown> {
    const now = this.now();
    const seenAt = new Date(now).toISOString();
    return { pk: `SEEN#${sightingKeyOf(attribute.type, attribute.value)}`, sk: `${seenAt}#${reportId}`, reportId, expiresAt: this.expiresAt(now) };
  }

  async findSightings(type: AttributeType, value: string, query: SightingQuery): Promise<PastReport[]> {
    const seen = new Map<string, { firstSeen: string; lastSeen: string }>();
    const pages = paginateQuery(
      { client: this.doc, pageSize: 100 },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk >= :since',
        ExpressionAttributeValues: { ':pk': `SEEN#${sightingKeyOf(type, value)}`, ':since': new Date(query.sinceMs).toISOString() },
        ScanIndexForward: false,
      },
    );
    pages: for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const reportId = String(item.reportId);
        const at = String(item.sk).slice(0, String(item.sk).indexOf('#'));
        if (reportId === query.excludeReportId) continue;
        const known = seen.get(reportId);
        if (known) {
          // Newest first: a later item of a known report is an earlier sighting.
          known.firstSeen = at;
          continue;
        }
        if (seen.size >= query.limit) break pages;
        seen.set(reportId, { firstSeen: at, lastSeen: at });
      }
    }
    if (seen.size === 0) return [];
    const metas = await this.batchGet(
      [...seen.keys()].map((id) => ({ pk: reportPk(id), sk: META })),
      { consistent: false, projection: 'pk, sk, reportId, detector, rule_id, lastVerdict' },
    );
    const byReport = new Map([...metas.values()].map((item) => [String(item.reportId), item]));
    // A report whose META expired is gone: its sighting outlived it by TTL's laziness.
    return [...seen]
      .filter(([id]) => byReport.has(id))
      .map(([reportId, times]) => {
        const meta = byReport.get(reportId)!;
        const severity = (meta.lastVerdict as { severity?: Severity } | undefined)?.severity;
        return { reportId, detector: String(meta.detector), rule_id: String(meta.rule_id), ...(severity ? { severity } : {}), ...times };
      });
  }

  async takeBudget(reportId: string, name: string, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: reportPk(reportId), sk: `BUDGET#${name}` },
          UpdateExpression: 'SET used = if_not_exists(used, :zero) + :one, expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':limit': limit, ':exp': this.expiresAt(this.now()) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * Most alerts of a storm repeat attributes the report already holds. A conditional put
   * that fails still costs a write unit; an eventually consistent read costs a tenth of that.
   * A stale read only means a put whose condition then fails, never a lost attribute.
   */
  private async knownAttributeIds(reportId: string, attributes: ReportAttribute[]): Promise<Set<string>> {
    const ids = [...new Set(attributes.map((a) => a.id))];
    const known = new Set<string>();
    for (let i = 0; i < ids.length; i += 100) {
      const result = await this.doc.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table]: {
              Keys: ids.slice(i, i + 100).map((id) => ({ pk: reportPk(reportId), sk: `ATTR#${id}` })),
              ProjectionExpression: 'sk',
            },
          },
        }),
      );
      for (const item of result.Responses?.[this.table] ?? []) known.add(String(item.sk).slice('ATTR#'.length));
    }
    return known;
  }

  async markDirty(reportId: string): Promise<ReportState> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: reportPk(reportId), sk: META },
        UpdateExpression: 'SET dirty = :t',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': true },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toState(result.Attributes);
  }

  async claimRound(reportId: string): Promise<ReportState | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: reportPk(reportId), sk: META },
          // A round is claimed for alerts that joined: the report is dirty until its final snapshot.
          UpdateExpression: 'SET running = :t, dirty = :t, round = round + :one, sweepShard = :shard, sweepAt = :deadline REMOVE lastError',
          ConditionExpression: 'attribute_exists(pk) AND running = :f',
          ExpressionAttributeValues: { ':t': true, ':f': false, ':one': 1, ':shard': SWEEP_SHARD, ':deadline': this.deadline() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toState(result.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async confirmStarted(reportId: string, round: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: reportPk(reportId), sk: META },
          UpdateExpression: 'SET startedRound = :r',
          ConditionExpression: 'startedRound < :r',
          ExpressionAttributeValues: { ':r': round },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * One Query for the planner instead of one per prefix: the sort keys from ATTR# to RESULT#
   * hold the attributes and the results (and, between them, the few EMIT# items and META, left
   * out here); only the key and the attribute are read, not the findings.
   */
  async listInspectionState(reportId: string): Promise<{ attributes: ReportAttribute[]; inspected: Set<string> }> {
    const items = await this.query({
      TableName: this.table,
      // '$' sorts right after '#': every RESULT#... key is below RESULT$.
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': reportPk(reportId), ':from': 'ATTR#', ':to': 'RESULT$' },
      ProjectionExpression: 'sk, #attribute',
      ExpressionAttributeNames: { '#attribute': 'attribute' },
      ConsistentRead: true,
    });
    const attributes: ReportAttribute[] = [];
    const inspected = new Set<string>();
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith('ATTR#')) attributes.push(item.attribute as ReportAttribute);
      else if (sk.startsWith('RESULT#')) inspected.add(sk.slice('RESULT#'.length));
    }
    return { attributes, inspected };
  }

  /** Consistent: the planner's Query that named them was, and an attribute discovered this round must be found. */
  async getAttributes(reportId: string, attributeIds: string[]): Promise<ReportAttribute[]> {
    const keys = attributeIds.map((id) => ({ pk: reportPk(reportId), sk: `ATTR#${id}` }));
    const items = await this.batchGet(keys, { consistent: true });
    return keys.flatMap((key) => {
      const item = items.get(keyOf(key));
      return item ? [item.attribute as ReportAttribute] : [];
    });
  }

  /** Unconditional puts in batches of 25: findings win over a failure record of the same pair, as a PutItem did. */
  async putFindings(reportId: string, results: InspectionResult[]): Promise<void> {
    const expiresAt = this.expiresAt(this.now());
    const items = new Map<string, Record<string, unknown>>();
    // BatchWriteItem refuses two puts of one key in a request: the last result of a pair wins.
    for (const { attributeId, inspector, findings } of results) {
      const sk = `RESULT#${attributeId}#${inspector}`;
      // JSON text, like member alerts: a detail from a threat-intel API may hold `constructor` or `__proto__` keys.
      items.set(sk, { pk: reportPk(reportId), sk, findingsJson: JSON.stringify(findings), expiresAt });
    }
    await this.batchPut([...items.values()]);
  }

  async putInspectionFailure(reportId: string, failure: InspectionFailure): Promise<boolean> {
    return this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: reportPk(reportId),
          sk: `RESULT#${failure.attributeId}#${failure.inspector}`,
          failure,
          expiresAt: this.expiresAt(this.now()),
        },
        // The first result of a pair stays: findings from a successful earlier attempt, or the
        // failure an inspect batch recorded with the pair's own error, win over the batch-wide
        // failure its Catch records later.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ).then(
      () => true,
      (error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
        return false;
      },
    );
  }

  async beginReview(reportId: string, phase: 'preliminary' | 'final'): Promise<ReportState> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: reportPk(reportId), sk: META },
        UpdateExpression: phase === 'final' ? 'SET version = version + :one, dirty = :f' : 'SET version = version + :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: phase === 'final' ? { ':one': 1, ':f': false } : { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toState(result.Attributes);
  }

  async loadSnapshot(reportId: string): Promise<ReportSnapshot> {
    const items = await this.queryPrefix(reportId, '');
    const meta = items.find((i) => i.sk === META);
    if (!meta) throw new ReportNotFoundError(reportId);
    const snapshot: ReportSnapshot = { state: toState(meta), alerts: [], attributes: [], findings: [], inspectionFailures: [], inspected: new Set() };
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith('ALERT#')) snapshot.alerts.push(JSON.parse(String(item.alertJson)) as ReportAlert);
      else if (sk.startsWith('ATTR#')) snapshot.attributes.push(item.attribute as ReportAttribute);
      else if (sk.startsWith('RESULT#')) {
        snapshot.inspected.add(sk.slice('RESULT#'.length));
        if (item.findingsJson) snapshot.findings.push(...(JSON.parse(String(item.findingsJson)) as Finding[]));
        else if (item.findings) snapshot.findings.push(...(item.findings as Finding[])); // written before findingsJson
        if (item.failure) snapshot.inspectionFailures.push(item.failure as InspectionFailure);
      }
    }
    snapshot.alerts.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
    snapshot.attributes.sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id));
    return snapshot;
  }

  async saveVerdict(
    reportId: string,
    verdict: NonNullable<ReportState['lastVerdict']>,
    emitted?: ReportState['lastEmitted'],
  ): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: reportPk(reportId), sk: META },
        UpdateExpression: emitted ? 'SET lastVerdict = :v, lastEmitted = :e' : 'SET lastVerdict = :v',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: emitted ? { ':v': verdict, ':e': emitted } : { ':v': verdict },
      }),
    );
  }

  async claimEmission(reportId: string, emitter: string, version: number, lease: { token: string; untilMs: number }): Promise<EmissionClaim> {
    const key = { pk: reportPk(reportId), sk: emissionSk(version, emitter) };
    const nowMs = this.now();
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key,
          UpdateExpression:
            'SET #status = :pending, emitter = :emitter, version = :version, attempts = if_not_exists(attempts, :zero) + :one, leaseUntilMs = :until, leaseToken = :token, expiresAt = :exp',
          // A lease still running means an attempt may be delivering right now; an expired one belonged to an attempt that died.
          ConditionExpression: 'attribute_not_exists(pk) OR (#status <> :delivered AND (attribute_not_exists(leaseUntilMs) OR leaseUntilMs <= :now))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':delivered': 'delivered',
            ':emitter': emitter,
            ':version': version,
            ':zero': 0,
            ':one': 1,
            ':until': lease.untilMs,
            ':token': lease.token,
            ':now': nowMs,
            ':exp': this.expiresAt(nowMs),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { outcome: 'claimed', attempt: Number(Attributes?.attempts ?? 1) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const { Item } = await this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }));
    if (Item?.status === 'delivered') return { outcome: 'delivered' };
    return { outcome: 'leased', leaseUntilMs: Number(Item?.leaseUntilMs ?? 0) };
  }

  async releaseEmission(reportId: string, emitter: string, version: number, token: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: reportPk(reportId), sk: emissionSk(version, emitter) },
          UpdateExpression: 'REMOVE leaseUntilMs, leaseToken',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (error) {
      // Someone else's lease now (ours had run out): not ours to release.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async recordEmission(reportId: string, emission: Emission): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: reportPk(reportId), sk: emissionSk(emission.version, emission.emitter) },
          UpdateExpression:
            'SET #status = :status, emitter = :emitter, version = :version, #at = :at, detail = :detail, expiresAt = :exp REMOVE leaseUntilMs, leaseToken',
          // A step that gave up must not overwrite a delivery that an abandoned attempt completed after all.
          ...(emission.status === 'delivered'
            ? {}
            : { ConditionExpression: 'attribute_not_exists(#status) OR #status <> :delivered' }),
          ExpressionAttributeNames: { '#status': 'status', '#at': 'at' },
          ExpressionAttributeValues: {
            ':status': emission.status,
            ':emitter': emission.emitter,
            ':version': emission.version,
            ':at': emission.at,
            ':detail': emission.detail ?? '',
            ':exp': this.expiresAt(this.now()),
            ...(emission.status === 'delivered' ? {} : { ':delivered': 'delivered' }),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async listEmissions(reportId: string): Promise<Emission[]> {
    const items = await this.queryPrefix(reportId, 'EMIT#');
    return items.map((i) => ({
      emitter: String(i.emitter),
      version: Number(i.version),
      status: i.status as Emission['status'],
      ...(i.detail ? { detail: String(i.detail) } : {}),
      at: String(i.at ?? ''),
    }));
  }

  async getEmitterState(reportId: string, emitter: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: reportPk(reportId), sk: `STATE#${emitter}` }, ConsistentRead: true }),
    );
    return result.Item ? (JSON.parse(String(result.Item.stateJson)) as Record<string, unknown>) : undefined;
  }

  async putEmitterState(reportId: string, emitter: string, value: Record<string, unknown>): Promise<void> {
    // JSON text, like member alerts: the state may hold keys the marshaller refuses.
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: reportPk(reportId), sk: `STATE#${emitter}`, stateJson: JSON.stringify(value), expiresAt: this.expiresAt(this.now()) },
      }),
    );
  }

  async finishRound(reportId: string, round: number): Promise<ReportState> {
    // Quiet: release the report. Alerts joined: claim the next round, keeping `running`.
    // Neither matches on a retry after one of them succeeded: then the state is as it was left.
    // A round that finishes clears the failure count and error a re-driven predecessor left.
    return (
      (await this.updateCurrentRound(reportId, round, 'SET running = :f REMOVE sweepShard, sweepAt, redrives, lastError', { ':f': false }, 'dirty = :f')) ??
      (await this.updateCurrentRound(
        reportId,
        round,
        'SET round = round + :one, sweepShard = :shard, sweepAt = :deadline REMOVE redrives, lastError',
        { ':one': 1, ':shard': SWEEP_SHARD, ':deadline': this.deadline() },
        'dirty = :t',
      )) ??
      (await this.getState(reportId)) ??
      (() => {
        throw new ReportNotFoundError(reportId);
      })()
    );
  }

  async failRound(reportId: string, error: string): Promise<ReportState> {
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: reportPk(reportId), sk: META },
        UpdateExpression: 'SET running = :f, lastError = :e REMOVE sweepShard, sweepAt, redrives',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':f': false, ':e': error.slice(0, 4096) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return toState(result.Attributes);
  }

  async scheduleRedrive(reportId: string, round: number, atMs: number, error: string): Promise<ReportState | undefined> {
    return this.updateCurrentRound(reportId, round, 'SET sweepShard = :shard, sweepAt = :at, lastError = :e', {
      ':shard': SWEEP_SHARD,
      ':at': atMs,
      ':e': error.slice(0, 4096),
    });
  }

  async redriveRound(reportId: string, round: number): Promise<ReportState | undefined> {
    return this.updateCurrentRound(
      reportId,
      round,
      'SET round = round + :one, sweepShard = :shard, sweepAt = :deadline, redrives = if_not_exists(redrives, :zero) + :one',
      { ':one': 1, ':zero': 0, ':shard': SWEEP_SHARD, ':deadline': this.deadline() },
    );
  }

  /** An update of META that applies only while `round` is the report's running round (and `also` holds). */
  private async updateCurrentRound(reportId: string, round: number, expression: string, values: Record<string, unknown>, also?: string) {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: reportPk(reportId), sk: META },
          UpdateExpression: expression,
          ConditionExpression: `round = :round AND running = :t${also ? ` AND ${also}` : ''}`,
          ExpressionAttributeValues: { ':round': round, ':t': true, ...values },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toState(result.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async listSweepable(untilMs: number): Promise<{ reportId: string; sweepAt: number }[]> {
    const items = await this.query({
      TableName: this.table,
      IndexName: SWEEP_INDEX,
      KeyConditionExpression: 'sweepShard = :shard AND sweepAt <= :until',
      ExpressionAttributeValues: { ':shard': SWEEP_SHARD, ':until': Math.min(untilMs, Number.MAX_SAFE_INTEGER) },
    });
    return items.map((item) => ({ reportId: String(item.pk).slice('REPORT#'.length), sweepAt: Number(item.sweepAt) }));
  }

  async recordRejection(rejection: Rejection): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `REJECTED#${rejection.rejectedAt.slice(0, 10)}`,
          sk: `${rejection.rejectedAt}#${rejection.messageId}${rejection.item ? `#${rejection.item}` : ''}`,
          ...rejection,
          expiresAt: this.expiresAt(this.now()),
        },
      }),
    );
  }

  async listRejections(day: string): Promise<Rejection[]> {
    const items = await this.query({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `REJECTED#${day}` } });
    return items.map(
      ({ messageId, item, reason, issues, excerpt, rejectedAt }) => ({ messageId, ...(item ? { item } : {}), reason, issues, excerpt, rejectedAt }) as Rejection,
    );
  }

  // An update, not a put: it creates the item all the same, and the functions that record
  // failures (RecordFailure, FinishRun) are granted UpdateItem, not necessarily PutItem.
  async recordFailure(failure: PipelineFailure): Promise<void> {
    const sk =
      failure.kind === 'emission'
        ? `EMIT#${failure.reportId}#${String(failure.version).padStart(6, '0')}#${failure.emitter}`
        : `ROUND#${failure.reportId}#${failure.round}`;
    const fields = { ...failure, error: failure.error.slice(0, 4096), expiresAt: this.expiresAt(this.now()) };
    const names = Object.keys(fields);
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `FAILED#${failure.failedAt.slice(0, 10)}`, sk },
        UpdateExpression: `SET ${names.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])),
        ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n as keyof typeof fields]])),
      }),
    );
  }

  async listFailures(day: string): Promise<PipelineFailure[]> {
    const items = await this.query({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `FAILED#${day}` } });
    return items
      .map(({ pk: _pk, sk: _sk, expiresAt: _exp, ...failure }) => failure as unknown as PipelineFailure)
      .sort((a, b) => a.failedAt.localeCompare(b.failedAt));
  }

  async listReportIds(): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateScan(
      { client: this.doc },
      { TableName: this.table, FilterExpression: 'sk = :meta', ExpressionAttributeValues: { ':meta': META }, ProjectionExpression: 'reportId' },
    );
    for await (const page of pages) ids.push(...(page.Items ?? []).map((i) => String(i.reportId)));
    return ids;
  }

  private queryPrefix(reportId: string, prefix: string, projection?: string) {
    return this.query({
      TableName: this.table,
      KeyConditionExpression: prefix ? 'pk = :pk AND begins_with(sk, :prefix)' : 'pk = :pk',
      ExpressionAttributeValues: prefix ? { ':pk': reportPk(reportId), ':prefix': prefix } : { ':pk': reportPk(reportId) },
      ConsistentRead: true,
      ...(projection ? { ProjectionExpression: projection } : {}),
    });
  }

  private async query(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateQuery({ client: this.doc }, input)) items.push(...(page.Items ?? []));
    return items;
  }
}

const toState = (item: Record<string, unknown> | undefined): ReportState => {
  if (!item) throw new Error('DynamoDB returned no report state');
  const { pk: _pk, sk: _sk, expiresAt: _exp, sweepShard: _shard, ...state } = item;
  return state as unknown as ReportState;
};
