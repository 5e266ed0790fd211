import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from '../validation/zod';
import { ValidationError } from '../domain/errors';
import { entryHash, GENESIS_HASH, headKeyOf, seqKey } from '../domain/operations/audit-chain';
import type { AuditChainAnchor, AuditChainHead, AuditChainStore, StoredAuditEntry } from '../ports/audit-chain';
import type { AuditEvent, AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { DenialMarks } from '../ports/denial-marks';
import type { ListPosition, PositionedPage } from '../ports/cursor-codec';
import { cancellationCodes } from './dynamodb-order-items';
import { systemClock } from './system-clock';

const MONTH = /^\d{4}-\d{2}$/;

/** How many months back a listing looks for older events before it stops. */
const MONTHS_SEARCHED = 24;

/** How often an append tries again after losing its shard's head to another writer (each try on a random shard). */
const APPEND_ATTEMPTS = 40;

/** Where a listing stopped: the month, and per shard the last sort key returned (`-`: the shard's month is done). */
const Position = z.record(z.string().check(z.regex(/^(m|\d{1,2})$/)), z.string().check(z.maxLength(40)));

/** Partition of shard `shard`'s entries of `month`. */
const entryPk = (month: string, shard: number) => `AUDIT#${month}#${shard}`;
const anchorPk = (shard: number) => `AUDITANCHOR#${shard}`;

/** The head items' partition keys, for the writers' read grant (dynamodb:LeadingKeys). */
export const AUDIT_HEAD_KEY_PATTERN = 'AUDITHEAD#*';

/**
 * The audit table (docs/data-model.md, "Audit trail"): the trail is spread over `shards` hash chains. An append picks
 * a shard at random, reads its head (AUDITHEAD#<shard>: seq, hash, months) and writes, in one transaction, the entry
 * (pk AUDIT#<yyyy-mm>#<shard>, sk its zero-padded seq, with prev and hash) and the new head, conditional on the
 * head still being the one it read; a writer that lost the head to another tries again on a random shard. So
 * concurrent writers never fork a chain, and no shard's head is a hot key for long. An entry's month is its event's,
 * or its shard's last month if that is later (a late writer), so months never go back along a chain. Only PutItem is
 * used: the table's resource policy denies UpdateItem and DeleteItem to everyone.
 */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly shards: number,
    private readonly now: Clock = systemClock,
  ) {
    if (!Number.isSafeInteger(shards) || shards < 1 || shards > 64) throw new Error(`The audit trail needs 1 to 64 shards, not ${shards}`);
  }

  async append(event: AuditEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const shard = randomInt(this.shards);
      const head = await readHead(this.client, this.tableName, shard);
      const seq = (head?.seq ?? 0) + 1;
      const prev = head?.hash ?? GENESIS_HASH;
      const eventMonth = event.at.slice(0, 7);
      const month = head && head.month > eventMonth ? head.month : eventMonth;
      const hash = entryHash(event, { shard, seq, prev });
      const sk = seqKey(seq);
      const entry: Record<string, AttributeValue> = {
        pk: { S: entryPk(month, shard) },
        sk: { S: sk },
        gsi1pk: { S: `ACTOR#${event.actor}` },
        gsi1sk: { S: `${event.at}#${shard}#${sk}` },
        shard: { N: String(shard) },
        seq: { N: String(seq) },
        prev: { S: prev },
        hash: { S: hash },
        ...eventItem(event),
      };
      const newHead: Record<string, AttributeValue> = {
        ...headKeyItem(shard),
        seq: { N: String(seq) },
        hash: { S: hash },
        since: { S: head?.since ?? month },
        month: { S: month },
      };
      try {
        await this.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              { Put: { TableName: this.tableName, Item: entry, ConditionExpression: 'attribute_not_exists(pk)' } },
              {
                Put: {
                  TableName: this.tableName,
                  Item: newHead,
                  ...(head
                    ? { ConditionExpression: '#seq = :seq AND #hash = :hash', ExpressionAttributeNames: { '#seq': 'seq', '#hash': 'hash' } }
                    : { ConditionExpression: 'attribute_not_exists(pk)' }),
                  ...(head ? { ExpressionAttributeValues: { ':seq': { N: String(head.seq) }, ':hash': { S: head.hash } } } : {}),
                },
              },
            ],
          }),
        );
        return;
      } catch (error) {
        const codes = cancellationCodes(error);
        const lostTheHead = codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict');
        if (!lostTheHead || attempt >= APPEND_ATTEMPTS) throw error;
        // Full jitter, growing to 100 ms: the writers that lost spread over the shards and over time.
        await sleep(randomInt(Math.min(100, 5 * 2 ** Math.min(attempt, 5)) + 1));
      }
    }
  }

  /**
   * Newest first: each month's shards are read newest first and merged by time, from the position where the page
   * before stopped (per shard); then the month before, up to MONTHS_SEARCHED months. A page costs at most one Query
   * per shard and month.
   */
  async list(query: { limit: number; after?: ListPosition }): Promise<PositionedPage<AuditEvent>> {
    const start = query.after ? positionOf(query.after) : { m: this.now().toISOString().slice(0, 7) };
    const items: AuditEvent[] = [];
    let month = start.m ?? '';
    let after: Record<string, string> = Object.fromEntries(Object.entries(start).filter(([k]) => k !== 'm'));
    for (let i = 0; i < MONTHS_SEARCHED && items.length < query.limit; i++) {
      const wanted = query.limit - items.length;
      const pages = await Promise.all(
        Array.from({ length: this.shards }, async (_, shard) => {
          const last = after[String(shard)];
          if (last === '-') return { shard, items: [] as Array<{ sk: string; event: AuditEvent }>, more: false };
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': { S: entryPk(month, shard) } },
              ScanIndexForward: false,
              Limit: wanted,
              ...(last ? { ExclusiveStartKey: { pk: { S: entryPk(month, shard) }, sk: { S: last } } } : {}),
            }),
          );
          const rows = (page.Items ?? []).map((item) => ({ sk: item.sk?.S ?? '', event: toEvent(item) }));
          return { shard, items: rows, more: page.LastEvaluatedKey !== undefined };
        }),
      );
      const merged = mergeNewestFirst(pages, wanted);
      items.push(...merged.map((row) => row.event));
      const next: Record<string, string> = {};
      let monthDone = true;
      for (const page of pages) {
        const taken = merged.filter((row) => row.shard === page.shard);
        const lastTaken = taken.at(-1)?.sk ?? after[String(page.shard)];
        const done = after[String(page.shard)] === '-' || (taken.length === page.items.length && !page.more);
        next[String(page.shard)] = done ? '-' : (lastTaken ?? '');
        if (!done) monthDone = false;
      }
      if (!monthDone) return { items, next: { m: month, ...Object.fromEntries(Object.entries(next).filter(([, v]) => v !== '')) } };
      month = previousMonth(month);
      after = {};
      if (items.length === query.limit) return { items, next: { m: month } };
    }
    return { items };
  }
}

/**
 * The chains as the verifier reads them (npm run audit:verify, the scheduled verification): heads, entries in key
 * order month by month, and anchors (AUDITANCHOR#<shard>, sk the time anchored), which it also writes.
 */
/**
 * The authorizer's denial marks, in the audit table beside the chains but on none of them (`AUDITDENIAL#<who>` /
 * `<minute>`): a conditional PutItem, the one write an appender may make, so the table's resource policy still denies
 * changing or deleting one. A mark holds no event; the audited denial is the chained entry it admits.
 */
export class DynamoDbDenialMarks implements DenialMarks {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(who: string, minute: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { pk: { S: `AUDITDENIAL#${who}` }, sk: { S: minute } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

export class DynamoDbAuditChainStore implements AuditChainStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    readonly shards: number,
  ) {}

  head(shard: number): Promise<AuditChainHead | undefined> {
    return readHead(this.client, this.tableName, shard);
  }

  async *entries(shard: number, since: string, until: string): AsyncIterable<StoredAuditEntry> {
    // A head whose months are not months (rewritten by hand) gives no entries: the chain then ends before its head.
    if (!MONTH.test(since) || !MONTH.test(until)) return;
    for (let month = since; month <= until; month = nextMonth(month)) yield* this.partition(shard, month);
  }

  async *entriesFrom(shard: number, seq: number, since: string, until: string): AsyncIterable<StoredAuditEntry> {
    if (!MONTH.test(since) || !MONTH.test(until)) return;
    yield* this.partition(shard, since, seqKey(seq));
    for (let month = nextMonth(since); month <= until; month = nextMonth(month)) yield* this.partition(shard, month);
  }

  async latestAnchor(shard: number): Promise<AuditChainAnchor | undefined> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: anchorPk(shard) } },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = page.Items?.[0];
    if (!item) return undefined;
    return { shard, seq: Number(item.seq?.N ?? 0), hash: item.hash?.S ?? '', month: item.month?.S ?? '', anchoredAt: item.sk?.S ?? '' };
  }

  async entryAt(shard: number, month: string, seq: number): Promise<StoredAuditEntry | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: entryPk(month, shard) }, sk: { S: seqKey(seq) } }, ConsistentRead: true }),
    );
    return result.Item ? storedEntry(result.Item) : undefined;
  }

  async writeAnchor(anchor: AuditChainAnchor): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: anchorPk(anchor.shard) },
          sk: { S: anchor.anchoredAt },
          seq: { N: String(anchor.seq) },
          hash: { S: anchor.hash },
          month: { S: anchor.month },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  private async *partition(shard: number, month: string, fromSk?: string): AsyncIterable<StoredAuditEntry> {
    let exclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: fromSk ? 'pk = :pk AND sk >= :from' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: entryPk(month, shard) }, ...(fromSk ? { ':from': { S: fromSk } } : {}) },
          ConsistentRead: true,
          ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) yield storedEntry(item);
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
  }
}

async function readHead(client: DynamoDBClient, tableName: string, shard: number): Promise<AuditChainHead | undefined> {
  const result = await client.send(new GetItemCommand({ TableName: tableName, Key: headKeyItem(shard), ConsistentRead: true }));
  const item = result.Item;
  if (!item) return undefined;
  return { shard, seq: Number(item.seq?.N ?? 0), hash: item.hash?.S ?? '', since: item.since?.S ?? '', month: item.month?.S ?? '' };
}

function headKeyItem(shard: number): Record<string, AttributeValue> {
  const key = headKeyOf(shard);
  return { pk: { S: key.pk }, sk: { S: key.sk } };
}

/** The event's own fields as item attributes (optional ones only when present). */
function eventItem(event: AuditEvent): Record<string, AttributeValue> {
  return {
    at: { S: event.at },
    actor: { S: event.actor },
    action: { S: event.action },
    target: { S: event.target },
    outcome: { S: event.outcome },
    ...(event.sourceIp ? { sourceIp: { S: event.sourceIp } } : {}),
    ...(event.requestId ? { requestId: { S: event.requestId } } : {}),
    ...(event.detail ? { detail: { S: event.detail } } : {}),
    ...(event.amounts ? { amounts: { M: amountsItem(event.amounts) } } : {}),
  };
}

/** An item as stored, chain fields and event read back exactly (a missing required field: not an entry). */
function storedEntry(item: Record<string, AttributeValue>): StoredAuditEntry {
  const number = (v: AttributeValue | undefined) => (v?.N !== undefined ? Number(v.N) : undefined);
  const complete = ['at', 'actor', 'action', 'target', 'outcome'].every((name) => item[name]?.S !== undefined);
  return {
    key: { pk: item.pk?.S ?? '', sk: item.sk?.S ?? '' },
    ...(complete ? { event: toEvent(item) } : {}),
    ...(number(item.shard) !== undefined ? { shard: number(item.shard) } : {}),
    ...(number(item.seq) !== undefined ? { seq: number(item.seq) } : {}),
    ...(item.prev?.S !== undefined ? { prev: item.prev.S } : {}),
    ...(item.hash?.S !== undefined ? { hash: item.hash.S } : {}),
  };
}

/** An audit item as the event it records. */
export function toEvent(item: Record<string, AttributeValue>): AuditEvent {
  return {
    at: item.at?.S ?? '',
    actor: item.actor?.S ?? '',
    action: item.action?.S ?? '',
    target: item.target?.S ?? '',
    outcome: (item.outcome?.S ?? 'failed') as AuditEvent['outcome'],
    ...(item.sourceIp?.S ? { sourceIp: item.sourceIp.S } : {}),
    ...(item.requestId?.S ? { requestId: item.requestId.S } : {}),
    ...(item.detail?.S ? { detail: item.detail.S } : {}),
    ...(item.amounts?.M ? { amounts: amountsOf(item.amounts.M) } : {}),
  };
}

/** Named amounts as a map of `{ amount: N, currency: S }` maps, minor units kept as numbers. */
function amountsItem(amounts: NonNullable<AuditEvent['amounts']>): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(amounts).map(([name, money]) => [name, { M: { amount: { N: String(money.amount) }, currency: { S: money.currency } } }]),
  );
}

function amountsOf(item: Record<string, AttributeValue>): NonNullable<AuditEvent['amounts']> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => [name, { amount: Number(value.M?.amount?.N ?? 0), currency: value.M?.currency?.S ?? '' }]),
  );
}

/**
 * Merges the shards' pages (each newest first) by time, taking from each shard in its own order, so what is taken
 * from a shard is always a prefix of its page and the position after it loses nothing.
 */
function mergeNewestFirst(
  pages: ReadonlyArray<{ shard: number; items: ReadonlyArray<{ sk: string; event: AuditEvent }> }>,
  wanted: number,
): Array<{ shard: number; sk: string; event: AuditEvent }> {
  const next = pages.map(() => 0);
  const merged: Array<{ shard: number; sk: string; event: AuditEvent }> = [];
  while (merged.length < wanted) {
    let best = -1;
    pages.forEach((page, i) => {
      const candidate = page.items[next[i] ?? 0];
      const current = best >= 0 ? pages[best]?.items[next[best] ?? 0] : undefined;
      if (candidate && (!current || candidate.event.at > current.event.at)) best = i;
    });
    const page = pages[best];
    const row = page?.items[next[best] ?? 0];
    if (!page || !row) break;
    merged.push({ ...row, shard: page.shard });
    next[best] = (next[best] ?? 0) + 1;
  }
  return merged;
}

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function positionOf(after: ListPosition): { m?: string } & Record<string, string> {
  const parsed = Position.safeParse(after);
  if (!parsed.success || !MONTH.test(parsed.data.m ?? ''))
    throw new ValidationError('The cursor is not one this API issued for this listing', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  return parsed.data;
}
