import { type DynamoDBClient, GetItemCommand, QueryCommand, TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { planTake, shardCount, type ShardStock, type ShardTake } from '../domain/inventory/stock-shards';
import { SagaError, TransientError } from '../domain/orders/saga-errors';
import type { HeldLine, ReserveResult, ShardHeld, StockHold, StockLedger } from '../ports/stock-ledger';
import { batchGetItems, UnprocessedKeysError } from './dynamodb-batch-get';
import { cancellationCodes, checkedStatusShards, orderTransitionUpdate, statusShardOf, transientIfContended } from './dynamodb-order-items';
import { outboxPut, stockNotifications, stockSourceOf } from './dynamodb-stock-notification-outbox';
import { readShards, shardKey, shardStockOf, skuKey } from './dynamodb-stock-shards';

/**
 * The byStatus partition key of one shard of the active holds. A hold is indexed on its order's status shard
 * (statusShardOf): one hold per order, so the shard count sized for the orders' status keys (6 WCU per order on the
 * busiest) leaves these (2 WCU per order: the put, the removal) room to spare, and no second setting can disagree.
 */
const activeHoldsKey = (shard: number) => `HOLD#ACTIVE#${shard}`;
/**
 * Where holds were indexed before the shards: a hold written by a release before them, whose saga then died, is still
 * swept. Holds live minutes, so this key empties soon after such a deploy; reading it costs one Query per sweep.
 */
const UNSHARDED_ACTIVE_HOLDS = 'HOLD#ACTIVE';
export const holdKey = (orderId: string) => ({ pk: `HOLD#${orderId}`, sk: 'HOLD' });
/** How long a SKU's shard count is taken as read before it is read again (it only ever grows). */
const SHARD_COUNT_TTL_MS = 60_000;
/** SKUs whose last-read stock an instance keeps (forgotten all at once beyond: it only saves a failed write). */
const MAX_SKUS_REMEMBERED = 10_000;
/** Plans one reservation may try before the shards it reads keep changing under it is a TransientError. */
const MAX_PLANS = 8;

/** Units of a line to take from, or give back to, one stock item of its SKU (shard 0: the SKU item). */
interface StockMove {
  readonly sku: string;
  readonly shard: number;
  readonly quantity: number;
}

/** The stock items a hold's lines hold units on: where the hold recorded shards, those; otherwise the SKU item. */
function movesOf(hold: Pick<StockHold, 'lines' | 'shards'>): StockMove[] {
  return hold.lines.flatMap((line) => {
    const taken = (hold.shards ?? []).filter((s) => s.sku === line.sku);
    return taken.length > 0 ? taken : [{ sku: line.sku, shard: 0, quantity: line.quantity }];
  });
}

/**
 * Stock holds in the catalog table (docs/data-model.md). A SKU item keeps `onHand`, `reserved` and
 * `available = onHand - reserved` side by side, because a DynamoDB condition cannot add: the reservation's
 * condition is `available >= :qty`, and every write changes the three together. A hold item per order records
 * what it holds until when; active holds are listed through the byStatus index (`HOLD#ACTIVE#<shard>`, by expiry) for
 * the sweeper. A commit (sale) or restock (cancellation) also writes, in its transaction, one outbox notice per
 * provider that owns any of the order's SKUs (the SKU's `stockSource`), for the relay to deliver.
 */
export class DynamoDbStockLedger implements StockLedger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly catalogTable: string,
    private readonly ordersTable: string,
    /** The byStatus index's shard count: the order's status moves with its stock, and its hold is indexed on the same shard. */
    private readonly statusShards: number,
  ) {
    checkedStatusShards(statusShards);
  }

  /** SKU -> its shard count, as read (a promise, so concurrent reservations of a SKU new to this instance read it once). */
  private readonly shardCounts = new Map<string, { readonly count: Promise<number>; readonly until: number }>();
  /** SKU -> each shard's available units when this instance last read them (only says whether to read before trying). */
  private readonly lastSeen = new Map<string, readonly number[]>();

  /**
   * Every line is taken in one transaction with the hold and the order's move to RESERVED. A SKU with one stock item
   * is taken from it; a sharded SKU (docs/data-model.md, "Stock shards") from one shard picked at random, each taken
   * conditionally on `available >= :q`. When a take fails, that SKU's shards are read (strongly consistent) and the
   * line planned anew: from a random start, the first shard with enough, else spanning shards in order; a SKU whose
   * shards together lack the quantity is refused. Nothing is written unless every take holds, so an order is never
   * partially reserved. The hold records where a line's units came from unless that is the SKU item.
   */
  async reserve(orderId: string, lines: readonly HeldLine[], expiresAt: string, at: string): Promise<ReserveResult> {
    const counts = await Promise.all(lines.map((l) => this.shardCount(l.sku)));
    let plans = lines.map((line, i): ShardTake[] => [{ shard: Math.floor(Math.random() * (counts[i] ?? 1)), quantity: line.quantity }]);
    // A SKU that no shard had enough of when last read here (sold out, or thinly spread) is read and planned first:
    // a sold-out flash-sale SKU is then refused by a read, and its refused reservations never write to its shards.
    const thin = lines.filter((line) => {
      const seen = this.lastSeen.get(line.sku);
      return seen !== undefined && !seen.some((a) => a >= line.quantity);
    });
    if (thin.length > 0) {
      const replanned = this.plan(lines, plans, await this.readStock(thin.map((l) => l.sku)), new Set(thin.map((l) => l.sku)));
      const short = lines.filter((_, i) => replanned[i] === undefined).map((l) => l.sku);
      if (short.length > 0) return { outcome: 'insufficient', skus: short };
      plans = replanned as ShardTake[][];
    }
    for (let attempt = 1; attempt <= MAX_PLANS; attempt++) {
      const moves = lines.flatMap((line, i) => (plans[i] ?? []).map((t) => ({ sku: line.sku, ...t })));
      const shards = moves.filter((m) => m.shard !== 0 || (plans[lines.findIndex((l) => l.sku === m.sku)]?.length ?? 0) > 1);
      const items: TransactWriteItem[] = [
        {
          Put: {
            TableName: this.catalogTable,
            Item: marshall({
              ...holdKey(orderId),
              entity: 'hold',
              gsi1pk: activeHoldsKey(statusShardOf(orderId, this.statusShards)),
              gsi1sk: `${expiresAt}#${orderId}`,
              orderId,
              lines,
              ...(shards.length > 0 ? { shards } : {}),
              expiresAt,
              status: 'ACTIVE',
              createdAt: at,
              updatedAt: at,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        ...moves.map((m) => this.stockChange(m, 'reserved = reserved + :q, available = available - :q', 'available >= :q')),
        { Update: orderTransitionUpdate(this.ordersTable, orderId, { from: ['PENDING'], to: 'RESERVED', at }, this.statusShards) },
      ];
      const codes = await this.transact(items);
      if (!codes) return { outcome: 'reserved' };
      if (codes[0] === 'ConditionalCheckFailed') return { outcome: 'already-reserved' };
      const failed = new Set(moves.filter((_, i) => codes[i + 1] === 'ConditionalCheckFailed').map((m) => m.sku));
      if (failed.size === 0) return { outcome: 'order-not-pending' };
      // What the failed lines' SKUs have now, read consistently: plan them again, or refuse the SKUs that lack it.
      const replanned = this.plan(lines, plans, await this.readStock([...failed]), failed);
      const short = lines.filter((_, i) => replanned[i] === undefined).map((l) => l.sku);
      if (short.length > 0) return { outcome: 'insufficient', skus: short };
      plans = replanned as ShardTake[][];
    }
    throw new TransientError(`The stock of order ${orderId}'s SKUs kept changing while it was reserved (${MAX_PLANS} plans)`);
  }

  /** The lines of `skus` planned anew on their shards as read (undefined: too little), the others as they were. */
  private plan(lines: readonly HeldLine[], plans: readonly ShardTake[][], stock: Map<string, ShardStock[]>, skus: ReadonlySet<string>) {
    return lines.map((line, i) => {
      if (!skus.has(line.sku)) return plans[i] ?? [];
      const available = (stock.get(line.sku) ?? []).map((s) => s.onHand - s.reserved);
      return available.length ? planTake(available, line.quantity, Math.floor(Math.random() * available.length)) : undefined;
    });
  }

  async release(orderId: string, at: string): Promise<'released' | 'not-held'> {
    const hold = await this.get(orderId);
    if (!hold || hold.status !== 'ACTIVE') return 'not-held';
    const codes = await this.transact([
      this.moveHold(orderId, 'ACTIVE', 'RELEASED', at),
      ...movesOf(hold).map((m) => this.stockChange(m, 'reserved = reserved - :q, available = available + :q')),
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
      ...movesOf(hold).map((m) => this.stockChange(m, 'onHand = onHand - :q, reserved = reserved - :q')),
      {
        Update: orderTransitionUpdate(
          this.ordersTable,
          orderId,
          { from: ['AWAITING_PAYMENT'], to: 'CONFIRMED', at, paymentStatus: 'succeeded' },
          this.statusShards,
        ),
      },
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
      ...movesOf(hold).map((m) => this.stockChange(m, 'onHand = onHand + :q, available = available + :q')),
      ...notices,
    ]);
    return codes ? 'not-committed' : 'restocked';
  }

  async get(orderId: string): Promise<StockHold | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.catalogTable, Key: marshall(holdKey(orderId)), ConsistentRead: true }));
    return Item ? toHold(unmarshall(Item)) : undefined;
  }

  /**
   * The `limit` holds that expired longest ago: each shard's oldest `limit` are read in parallel (Query, oldest first,
   * expiry before `before`) and merged by expiry. A sweep costs N + 1 Queries (the shards and the key holds had
   * before them), each reading only expired holds.
   */
  async expiredHolds(before: Date, limit: number): Promise<StockHold[]> {
    const keys = [...Array.from({ length: this.statusShards }, (_, shard) => activeHoldsKey(shard)), UNSHARDED_ACTIVE_HOLDS];
    const shards = await Promise.all(
      keys.map(async (key) => {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.catalogTable,
            IndexName: 'byStatus',
            KeyConditionExpression: 'gsi1pk = :active AND gsi1sk < :before',
            ExpressionAttributeValues: marshall({ ':active': key, ':before': before.toISOString() }),
            ScanIndexForward: true,
            Limit: limit,
          }),
        );
        return (page.Items ?? []).map((i) => unmarshall(i));
      }),
    );
    const oldest = shards.flat().sort((a, b) => (String(a.gsi1sk) < String(b.gsi1sk) ? -1 : 1));
    return oldest.slice(0, limit).map(toHold);
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

  private stockChange(move: StockMove, sets: string, condition?: string): TransactWriteItem {
    return {
      Update: {
        TableName: this.catalogTable,
        Key: marshall(shardKey(move.sku, move.shard)),
        UpdateExpression: `SET ${sets}, version = version + :one`,
        ConditionExpression: `attribute_exists(pk)${condition ? ` AND ${condition}` : ''}`,
        ExpressionAttributeValues: marshall({ ':q': move.quantity, ':one': 1 }),
      },
    };
  }

  /** The SKU's shard count: as read within the last minute, else read (a stale count is safe: shards only grow). */
  private shardCount(sku: string): Promise<number> {
    const known = this.shardCounts.get(sku);
    if (known && known.until > Date.now()) return known.count;
    const count = this.client
      .send(new GetItemCommand({ TableName: this.catalogTable, Key: marshall(skuKey(sku)), ProjectionExpression: 'stockShards' }))
      .then(({ Item }) => shardCount(Item ? unmarshall(Item).stockShards : undefined));
    this.shardCounts.set(sku, { count, until: Date.now() + SHARD_COUNT_TTL_MS });
    count.catch(() => this.shardCounts.delete(sku));
    return count;
  }

  /**
   * Each SKU's shards as they are now (strongly consistent), in one BatchGetItem of every shard the SKU was known to
   * have (and a second read for shards added since); a SKU that does not exist has none.
   */
  private async readStock(skus: readonly string[]): Promise<Map<string, ShardStock[]>> {
    const counts = await Promise.all(skus.map((sku) => this.shardCount(sku)));
    const keys = skus.flatMap((sku, i) => Array.from({ length: counts[i] ?? 1 }, (_, n) => shardKey(sku, n)));
    const found = new Map(
      (
        await batchGetItems(this.client, this.catalogTable, keys, { projection: ['pk', 'sku', 'onHand', 'reserved', 'stockShards'] }).catch(
          (error: unknown) => {
            throw error instanceof UnprocessedKeysError ? new TransientError(error.message) : error;
          },
        )
      ).map((i) => [String(i.pk), i]),
    );
    const stock = new Map<string, ShardStock[]>();
    for (const [i, sku] of skus.entries()) {
      const item = found.get(skuKey(sku).pk);
      if (!item) continue;
      const count = shardCount(item.stockShards);
      const shards =
        count > (counts[i] ?? 1)
          ? ((await readShards(this.client, this.catalogTable, [item])).get(sku) ?? [])
          : Array.from({ length: count }, (_, n) => shardStockOf(found.get(shardKey(sku, n).pk)));
      this.shardCounts.set(sku, { count: Promise.resolve(count), until: Date.now() + SHARD_COUNT_TTL_MS });
      if (this.lastSeen.size >= MAX_SKUS_REMEMBERED) this.lastSeen.clear();
      this.lastSeen.set(
        sku,
        shards.map((s) => s.onHand - s.reserved),
      );
      stock.set(sku, shards);
    }
    return stock;
  }
}

function toHold(i: Record<string, unknown>): StockHold {
  return {
    orderId: String(i.orderId),
    lines: (i.lines as HeldLine[] | undefined) ?? [],
    expiresAt: String(i.expiresAt),
    status: i.status as StockHold['status'],
    ...(Array.isArray(i.shards) ? { shards: i.shards as ShardHeld[] } : {}),
  };
}
