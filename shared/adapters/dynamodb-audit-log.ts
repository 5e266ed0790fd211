import { type AttributeValue, type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import * as z from '../validation/zod';
import { ValidationError } from '../domain/errors';
import type { AuditEvent, AuditLog } from '../ports/audit-log';
import type { Clock } from '../ports/clock';
import type { ListPosition, PositionedPage } from '../ports/cursor-codec';
import { systemClock } from './system-clock';

/** How many months back a listing looks for older events before it stops. */
const MONTHS_SEARCHED = 24;

/** Where a listing stopped: the month partition and, within it, the last sort key returned. */
const Position = z.strictObject({ m: z.string().check(z.regex(/^\d{4}-\d{2}$/)), sk: z.optional(z.string().check(z.maxLength(80))) });

/**
 * The audit table (docs/data-model.md): pk AUDIT#<yyyy-mm>, sk <at>#<ulid>, gsi1 by actor. Appends are
 * conditional on the item not existing, so nothing ever overwrites an event; listing walks month partitions
 * newest first from a position that names the month and the last key (signed into a cursor by the caller).
 */
export class DynamoDbAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: Clock = systemClock,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    const sk = `${event.at}#${ulid()}`;
    const item: Record<string, AttributeValue> = {
      pk: { S: `AUDIT#${event.at.slice(0, 7)}` },
      sk: { S: sk },
      gsi1pk: { S: `ACTOR#${event.actor}` },
      gsi1sk: { S: sk },
      at: { S: event.at },
      actor: { S: event.actor },
      action: { S: event.action },
      target: { S: event.target },
      outcome: { S: event.outcome },
      ...(event.sourceIp ? { sourceIp: { S: event.sourceIp } } : {}),
      ...(event.detail ? { detail: { S: event.detail } } : {}),
      ...(event.amounts ? { amounts: { M: amountsItem(event.amounts) } } : {}),
    };
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async list(query: { limit: number; after?: ListPosition }): Promise<PositionedPage<AuditEvent>> {
    const start = query.after ? positionOf(query.after) : { m: this.now().toISOString().slice(0, 7) };
    const items: AuditEvent[] = [];
    let month = start.m;
    let exclusiveSk = start.sk;
    for (let i = 0; i < MONTHS_SEARCHED && items.length < query.limit; i++) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: `AUDIT#${month}` } },
          ScanIndexForward: false,
          Limit: query.limit - items.length,
          ...(exclusiveSk ? { ExclusiveStartKey: { pk: { S: `AUDIT#${month}` }, sk: { S: exclusiveSk } } } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map(toEvent));
      if (page.LastEvaluatedKey?.sk?.S) return { items, next: { m: month, sk: page.LastEvaluatedKey.sk.S } };
      month = previousMonth(month);
      exclusiveSk = undefined;
      if (items.length === query.limit) return { items, next: { m: month } };
    }
    return { items };
  }
}

function toEvent(item: Record<string, AttributeValue>): AuditEvent {
  return {
    at: item.at?.S ?? '',
    actor: item.actor?.S ?? '',
    action: item.action?.S ?? '',
    target: item.target?.S ?? '',
    outcome: (item.outcome?.S ?? 'failed') as AuditEvent['outcome'],
    ...(item.sourceIp?.S ? { sourceIp: item.sourceIp.S } : {}),
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

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

function positionOf(after: ListPosition): z.infer<typeof Position> {
  const parsed = Position.safeParse(after);
  if (!parsed.success)
    throw new ValidationError('The cursor is not one this API issued for this listing', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  return parsed.data;
}
