import { type DynamoDBClient, GetItemCommand, QueryCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { SagaError, TransientError } from '../domain/orders/saga-errors';
import type { HeldLine, ReserveResult, StockHold, StockLedger } from '../ports/stock-ledger';
import { batchGetItems, UnprocessedKeysError } from './dynamodb-batch-get';
import { cancellationCodes, orderTransitionItems, transientIfContended } from './dynamodb-order-items';
import { outboxPut, stockNotifications, stockSourceOf } from './dynamodb-stock-notification-outbox';

const ACTIVE_HOLDS = 'HOLD#ACTIVE';
const holdKey = (orderId: string) => ({ pk: `HOLD#${orderId}`, sk: 'HOLD' });
const skuKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'SKU' });

/**
 * Stock holds in the catalog table (docs/data-model.md). A SKU item keeps `onHand`, `reserved` and
 * `available = onHand - reserved` side by side, because a DynamoDB condition cannot add: the reservation's
 * condition is `available >= :qty`, and every write changes the three together. A hold item per order records
 * what it holds until when; active holds are listed through the byStatus index (`HOLD#ACTIVE`, by expiry) for
 * the sweeper. A commit (sale) or restock (cancellation) also writes, in its transaction, one outbox notice per
 * provider that owns any of the order's SKUs (the SKU's `stockSource`), for the relay to deliver.
 */
export class DynamoDbStockLedger implements StockLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly catalogTable: string,
    private readonly ordersTable: string,
  ) {}

  async reserve(orderId: string, lines: readonly HeldLine[], expiresAt: string, at: string): Promise<ReserveResult> {
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.catalogTable,
          Item: marshall({
            ...holdKey(orderId),
            entity: 'hold',
            gsi1pk: ACTIVE_HOLDS,
            gsi1sk: `${expiresAt}#${orderId}`,
            orderId,
            lines,
            expiresAt,
            status: 'ACTIVE',
            createdAt: at,
            updatedAt: at,
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...lines.map((line) => this.stockChange(line, 'reserved = reserved + :q, available = available - :q', 'available >= :q')),
      ...orderTransitionItems(this.ordersTable, orderId, { from: ['PENDING'], to: 'RESERVED', at }),
    ];
    const codes = await this.transact(items);
    if (!codes) return { outcome: 'reserved' };
    if (codes[0] === 'ConditionalCheckFailed') return { outcome: 'already-reserved' };
    const short = lines.filter((_, i) => codes[i + 1] === 'ConditionalCheckFailed').map((l) => l.sku);
    if (short.length > 0) return { outcome: 'insufficient', skus: short };
    return { outcome: 'order-not-pending' };
  }

  async release(orderId: string, at: string): Promise<'released' | 'not-held'> {
    const hold = await this.get(orderId);
    if (!hold || hold.status !== 'ACTIVE') return 'not-held';
    const codes = await this.transact([
      this.moveHold(orderId, 'ACTIVE', 'RELEASED', at),
      ...hold.lines.map((line) => this.stockChange(line, 'reserved = reserved - :q, available = available + :q')),
    ]);
    return codes ? 'not-held' : 'released';
  }

  async commit(orderId: string, at: string): Promise<'committed' | 'already-committed' | 'not-held'> {
    const hold = await this.get(orderId);
    if (hold?.status === 'COMMITTED') return 'already-committed';
    if (!hold || hold.status !== 'ACTIVE') return 'not-held';
    const notices = await this.notices('sale', hold, at);
    const codes = await this.transact([
      this.moveHold(orderId, 'ACTIVE', 'COMMITTED', at),
      ...hold.lines.map((line) => this.stockChange(line, 'onHand = onHand - :q, reserved = reserved - :q')),
      ...orderTransitionItems(this.ordersTable, orderId, { from: ['AWAITING_PAYMENT'], to: 'CONFIRMED', at, paymentStatus: 'succeeded' }),
      ...notices,
    ]);
    if (!codes) return 'committed';
    if (codes[0] === 'ConditionalCheckFailed') return (await this.get(orderId))?.status === 'COMMITTED' ? 'already-committed' : 'not-held';
    throw new SagaError('InvalidOrderState', `Order ${orderId} is not awaiting payment`);
  }

  async restock(orderId: string, at: string): Promise<'restocked' | 'not-committed'> {
    const hold = await this.get(orderId);
    if (hold?.status !== 'COMMITTED') return 'not-committed';
    const notices = await this.notices('cancellation', hold, at);
    const codes = await this.transact([
      this.moveHold(orderId, 'COMMITTED', 'RETURNED', at),
      ...hold.lines.map((line) => this.stockChange(line, 'onHand = onHand + :q, available = available + :q')),
      ...notices,
    ]);
    return codes ? 'not-committed' : 'restocked';
  }

  async get(orderId: string): Promise<StockHold | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.catalogTable, Key: marshall(holdKey(orderId)), ConsistentRead: true }));
    return Item ? toHold(unmarshall(Item)) : undefined;
  }

  async expiredHolds(before: Date, limit: number): Promise<StockHold[]> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.catalogTable,
        IndexName: 'byStatus',
        KeyConditionExpression: 'gsi1pk = :active AND gsi1sk < :before',
        ExpressionAttributeValues: marshall({ ':active': ACTIVE_HOLDS, ':before': before.toISOString() }),
        ScanIndexForward: true,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((i) => toHold(unmarshall(i)));
  }

  /** The outbox Puts a sale or cancellation of the hold's lines owes their SKUs' providers. */
  private async notices(kind: 'sale' | 'cancellation', hold: StockHold, at: string): Promise<TransactWriteItem[]> {
    const sources = await this.stockSources(hold.lines.map((l) => l.sku));
    return stockNotifications(kind, hold.orderId, hold.lines, sources, at).map((n) => outboxPut(this.catalogTable, n));
  }

  /** SKU -> the provider owning its stock, for the SKUs that have one (strongly consistent). */
  private async stockSources(skus: readonly string[]): Promise<Map<string, string>> {
    const items = await batchGetItems(this.client, this.catalogTable, skus.map(skuKey), { projection: ['sku', 'stockSource'] }).catch((error: unknown) => {
      // A saga step: the state machine retries a TransientError.
      throw error instanceof UnprocessedKeysError ? new TransientError(error.message) : error;
    });
    return new Map(
      items.flatMap((item) => {
        const source = stockSourceOf(item);
        return source ? [[String(item.sku), source] as const] : [];
      }),
    );
  }

  /**
   * Runs one transaction. Resolves undefined when it was written, or the per-item cancellation codes when a
   * condition failed (nothing was written); a transaction that lost to a concurrent one (after the client's own
   * retries: retryTransactionConflicts) is a TransientError.
   */
  private async transact(items: TransactWriteItem[]): Promise<string[] | undefined> {
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.includes('ConditionalCheckFailed') && !codes.includes('TransactionConflict')) return codes;
      throw transientIfContended(error);
    }
  }

  /** Moves a hold from one status to the next, once; a hold that is no longer ACTIVE leaves the active-holds index. */
  private moveHold(orderId: string, from: StockHold['status'], to: StockHold['status'], at: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.catalogTable,
        Key: marshall(holdKey(orderId)),
        UpdateExpression: 'SET #status = :to, updatedAt = :at REMOVE gsi1pk, gsi1sk',
        ConditionExpression: '#status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':to': to, ':from': from, ':at': at }),
      },
    };
  }

  private stockChange(line: HeldLine, sets: string, condition?: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.catalogTable,
        Key: marshall(skuKey(line.sku)),
        UpdateExpression: `SET ${sets}, version = version + :one`,
        ConditionExpression: `attribute_exists(pk)${condition ? ` AND ${condition}` : ''}`,
        ExpressionAttributeValues: marshall({ ':q': line.quantity, ':one': 1 }),
      },
    };
  }
}

function toHold(i: Record<string, unknown>): StockHold {
  return {
    orderId: String(i.orderId),
    lines: (i.lines as HeldLine[] | undefined) ?? [],
    expiresAt: String(i.expiresAt),
    status: i.status as StockHold['status'],
  };
}
