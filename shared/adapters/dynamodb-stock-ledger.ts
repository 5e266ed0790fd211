import { type DynamoDBClient, GetItemCommand, QueryCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { SagaError } from '../domain/orders/saga-errors';
import type { HeldLine, ReserveResult, StockHold, StockLedger } from '../ports/stock-ledger';
import { cancellationCodes, orderTransitionItems, transientIfContended } from './dynamodb-order-items';

const ACTIVE_HOLDS = 'HOLD#ACTIVE';
const holdKey = (orderId: string) => ({ pk: `HOLD#${orderId}`, sk: 'HOLD' });
const skuKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'SKU' });

/**
 * Stock holds in the catalog table (docs/data-model.md). A SKU item keeps `onHand`, `reserved` and
 * `available = onHand - reserved` side by side, because a DynamoDB condition cannot add: the reservation's
 * condition is `available >= :qty`, and every write changes the three together. A hold item per order records
 * what it holds until when; active holds are listed through the byStatus index (`HOLD#ACTIVE`, by expiry) for
 * the sweeper.
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
          Item: marshall({ ...holdKey(orderId), entity: 'hold', gsi1pk: ACTIVE_HOLDS, gsi1sk: `${expiresAt}#${orderId}`, orderId, lines, expiresAt, status: 'ACTIVE', createdAt: at, updatedAt: at }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...lines.map((line) => this.stockChange(line, 'reserved = reserved + :q, available = available - :q', 'available >= :q')),
      ...orderTransitionItems(this.ordersTable, orderId, { from: ['PENDING'], to: 'RESERVED', at }),
    ];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return { outcome: 'reserved' };
    } catch (error) {
      const codes = cancellationCodes(error);
      if (!codes || codes.some((c) => c === 'TransactionConflict')) throw transientIfContended(error);
      if (codes[0] === 'ConditionalCheckFailed') return { outcome: 'already-reserved' };
      const short = lines.filter((_, i) => codes[i + 1] === 'ConditionalCheckFailed').map((l) => l.sku);
      if (short.length > 0) return { outcome: 'insufficient', skus: short };
      if (codes[lines.length + 1] === 'ConditionalCheckFailed') return { outcome: 'order-not-pending' };
      throw transientIfContended(error);
    }
  }

  async release(orderId: string, at: string): Promise<'released' | 'not-held'> {
    const hold = await this.get(orderId);
    if (!hold || hold.status !== 'ACTIVE') return 'not-held';
    const items = [this.closeHold(orderId, 'RELEASED', at), ...hold.lines.map((line) => this.stockChange(line, 'reserved = reserved - :q, available = available + :q'))];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return 'released';
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return 'not-held';
      throw transientIfContended(error);
    }
  }

  async commit(orderId: string, at: string): Promise<'committed' | 'already-committed' | 'not-held'> {
    const hold = await this.get(orderId);
    if (hold?.status === 'COMMITTED') return 'already-committed';
    if (!hold || hold.status !== 'ACTIVE') return 'not-held';
    const items = [
      this.closeHold(orderId, 'COMMITTED', at),
      ...hold.lines.map((line) => this.stockChange(line, 'onHand = onHand - :q, reserved = reserved - :q')),
      ...orderTransitionItems(this.ordersTable, orderId, { from: ['AWAITING_PAYMENT'], to: 'CONFIRMED', at, paymentStatus: 'succeeded' }),
    ];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return 'committed';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.[0] === 'ConditionalCheckFailed') return (await this.get(orderId))?.status === 'COMMITTED' ? 'already-committed' : 'not-held';
      if (codes?.[hold.lines.length + 1] === 'ConditionalCheckFailed') throw new SagaError('InvalidOrderState', `Order ${orderId} is not awaiting payment`);
      throw transientIfContended(error);
    }
  }

  async restock(orderId: string, at: string): Promise<'restocked' | 'not-committed'> {
    const hold = await this.get(orderId);
    if (hold?.status !== 'COMMITTED') return 'not-committed';
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.catalogTable,
          Key: marshall(holdKey(orderId)),
          UpdateExpression: 'SET #status = :returned, updatedAt = :at',
          ConditionExpression: '#status = :committed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: marshall({ ':returned': 'RETURNED', ':committed': 'COMMITTED', ':at': at }),
        },
      },
      ...hold.lines.map((line) => this.stockChange(line, 'onHand = onHand + :q, available = available + :q')),
    ];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return 'restocked';
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return 'not-committed';
      throw transientIfContended(error);
    }
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

  /** Ends an ACTIVE hold; it leaves the active-holds index. */
  private closeHold(orderId: string, status: 'RELEASED' | 'COMMITTED', at: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.catalogTable,
        Key: marshall(holdKey(orderId)),
        UpdateExpression: 'SET #status = :status, updatedAt = :at REMOVE gsi1pk, gsi1sk',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':status': status, ':at': at, ':active': 'ACTIVE' }),
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
