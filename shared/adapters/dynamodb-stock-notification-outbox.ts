import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type TransactWriteItem,
  UpdateItemCommand,
  ConditionalCheckFailedException,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { StockNotification, StockNotificationOutbox } from '../ports/inventory';
import type { HeldLine } from '../ports/stock-ledger';

const outboxKey = (n: Pick<StockNotification, 'providerId' | 'at' | 'notificationId'>) => ({ pk: `OUTBOX#${n.providerId}`, sk: `${n.at}#${n.notificationId}` });
const pendingKey = (providerId: string) => `OUTBOX#PENDING#${providerId}`;

/**
 * The provider that owns a SKU item's stock: its `stockSource` attribute, set by the inventory ledger when a
 * provider's update is applied. Undefined for a SKU only Stockade stocks.
 */
export function stockSourceOf(item: Record<string, unknown>): string | undefined {
  return typeof item.stockSource === 'string' && item.stockSource.length > 0 ? item.stockSource : undefined;
}

/** The same sale or cancellation of an order told to the same provider always has this id (the provider de-duplicates on it). */
export function notificationId(kind: StockNotification['kind'], orderId: string, providerId: string): string {
  return `${kind}-${orderId}-${providerId}`;
}

/**
 * The notices a sale or cancellation of `orderId` owes providers: one per provider owning any of the lines' SKUs
 * (`sources`, SKU -> provider), listing that provider's lines only. SKUs without a source owe nothing.
 */
export function stockNotifications(
  kind: StockNotification['kind'],
  orderId: string,
  lines: readonly HeldLine[],
  sources: ReadonlyMap<string, string>,
  at: string,
): StockNotification[] {
  const byProvider = new Map<string, HeldLine[]>();
  for (const line of lines) {
    const providerId = sources.get(line.sku);
    if (providerId) byProvider.set(providerId, [...(byProvider.get(providerId) ?? []), { sku: line.sku, quantity: line.quantity }]);
  }
  return [...byProvider].map(([providerId, providerLines]) => ({
    notificationId: notificationId(kind, orderId, providerId),
    providerId,
    kind,
    orderId,
    lines: providerLines,
    at,
  }));
}

/** The Put of a new pending notice, for the stock ledger's transaction (docs/data-model.md, catalog: outbox). */
export function outboxPut(tableName: string, n: StockNotification): TransactWriteItem {
  return {
    Put: {
      TableName: tableName,
      Item: marshall({
        ...outboxKey(n),
        entity: 'outbox',
        // Only pending notices are in the byStatus index, oldest first per provider.
        gsi1pk: pendingKey(n.providerId),
        gsi1sk: `${n.at}#${n.notificationId}`,
        status: 'PENDING',
        notificationId: n.notificationId,
        providerId: n.providerId,
        kind: n.kind,
        orderId: n.orderId,
        lines: n.lines,
        at: n.at,
      }),
    },
  };
}

/**
 * Units of `sku` in the sale notices still pending to `providerId`, read from the byStatus index (every page): what
 * the inventory ledger takes off that provider's report. The index follows the table closely but not at once, so
 * a sale committed within that lag of a report being applied is not counted; the relay sends notices every minute,
 * and this covers them while they wait and through a provider's outage.
 */
export async function unsentSaleUnits(client: DynamoDBClient, tableName: string, providerId: string, sku: string): Promise<number> {
  let units = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: 'gsi1pk = :pending',
        ProjectionExpression: '#kind, #lines',
        ExpressionAttributeNames: { '#kind': 'kind', '#lines': 'lines' },
        ExpressionAttributeValues: marshall({ ':pending': pendingKey(providerId) }),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const notice = unmarshall(item);
      if (notice.kind !== 'sale') continue;
      for (const line of (notice.lines as HeldLine[] | undefined) ?? []) if (line.sku === sku) units += Number(line.quantity) || 0;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return units;
}

/**
 * The outbox in the catalog table: `OUTBOX#<providerId>` / `<at>#<notificationId>` items, pending ones listed
 * through the sparse byStatus entry `OUTBOX#PENDING#<providerId>` that marking a notice sent removes.
 */
export class DynamoDbStockNotificationOutbox implements StockNotificationOutbox {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async pending(providerId: string, limit: number): Promise<StockNotification[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: 'gsi1pk = :pending',
        ExpressionAttributeValues: marshall({ ':pending': pendingKey(providerId) }),
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    const candidates = (page.Items ?? []).map((i) => unmarshall(i));
    if (candidates.length === 0) return [];
    // The index lags the table a little: a notice the previous run just marked sent may still be listed. The table
    // itself, read consistently, decides, so a notice is never sent again because of that lag.
    const out = await this.client.send(
      new BatchGetItemCommand({ RequestItems: { [this.tableName]: { Keys: candidates.map((c) => marshall({ pk: c.pk, sk: c.sk })), ConsistentRead: true } } }),
    );
    const current = new Map((out.Responses?.[this.tableName] ?? []).map((i) => unmarshall(i)).map((i) => [`${String(i.pk)}|${String(i.sk)}`, i]));
    return candidates
      .map((c) => current.get(`${String(c.pk)}|${String(c.sk)}`))
      .filter((i): i is Record<string, unknown> => i?.status === 'PENDING')
      .map(toNotification);
  }

  async markSent(notification: StockNotification, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: marshall(outboxKey(notification)),
          UpdateExpression: 'SET #status = :sent, sentAt = :at REMOVE gsi1pk, gsi1sk',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':sent': 'SENT', ':pending': 'PENDING', ':at': at }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}

function toNotification(i: Record<string, unknown>): StockNotification {
  return {
    notificationId: String(i.notificationId),
    providerId: String(i.providerId),
    kind: i.kind === 'cancellation' ? 'cancellation' : 'sale',
    orderId: String(i.orderId),
    lines: ((i.lines as HeldLine[] | undefined) ?? []).map((l) => ({ sku: String(l.sku), quantity: Number(l.quantity) })),
    at: String(i.at),
  };
}
