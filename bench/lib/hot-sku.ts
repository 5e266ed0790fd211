import { performance } from 'node:perf_hooks';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDbFront } from '../../local/aws/dynamodb/dynamodb-front';
import { orderItem } from '../../shared/adapters/dynamodb-order-items';
import type { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { shardItem, shardKey } from '../../shared/adapters/dynamodb-stock-shards';
import { spreadOnHand } from '../../shared/domain/inventory/stock-shards';
import { TransientError } from '../../shared/domain/orders/saga-errors';
import { pool } from './concurrency';
import { STAGE_DEFAULTS } from '../../lib/config/stages';

/** One reservation to make: a PENDING order of one unit of `sku`. */
export interface Reservation {
  readonly orderId: string;
  readonly sku: string;
}

/** Where a raw run reserves: the ledger (on scratch tables), and the hold's expiry every reservation gets. */
export interface Reserver {
  readonly ledger: DynamoDbStockLedger;
  readonly expiresAt: string;
  readonly concurrency: number;
}

/** The items that hold a SKU's stock: the `SKU#<sku>` / `SKU` item, and a sharded SKU's other shards. */
export type StockItemKey = { readonly pk: string; readonly sk: string };

/** The one stock item of an unsharded SKU. */
export const unshardedStock = (sku: string): StockItemKey[] => [shardKey(sku, 0)];

/** Every stock item of a SKU with `shards` stock shards (docs/data-model.md, "Stock shards"). */
export const shardedStock = (sku: string, shards: number): StockItemKey[] => Array.from({ length: shards }, (_, n) => shardKey(sku, n));

export interface HotResult {
  readonly attempts: number;
  readonly reserved: number;
  /** TransactWriteItems DynamoDB cancelled with TransactionConflict (the ledger's own retries included). */
  readonly conflicts: number;
  /** Reservations that still lost after the ledger's retries (TransientError), and were tried again as the saga does. */
  readonly sagaRetries: number;
  /** Reservations that lost every attempt. */
  readonly gaveUp: number;
  /** Units the stock items say are reserved, summed over them. */
  readonly reservedOnItems: number;
  /** Units on hand, summed over the stock items. */
  readonly onHand: number;
  /** Units the stock items say are reserved beyond the reservations that succeeded (0: nothing oversold or lost). */
  readonly oversold: number;
  readonly seconds: number;
  /** Outcomes other than reserved (out of stock...) and errors other than TransientError, by name. */
  readonly other: string[];
}

/** Attempts a saga step gets (its Retry's MaxAttempts, plus the first). */
const SAGA_ATTEMPTS = 7;

/**
 * Reserves the one hot SKU for every hot order, `concurrency` at a time, as the saga does: what still conflicts after
 * the ledger's and its client's own retries (TransientError) is tried again after a full-jitter
 * wait (scaled down from the saga's 1 s base to keep the run short). Counts the conflicts the runtime's DynamoDB
 * answered, then reads the SKU's stock items (`stock`, default its one item): what they say is reserved must be
 * exactly what succeeded.
 */
export async function reserveHot(
  r: Reserver,
  hot: readonly Reservation[],
  front: DynamoDbFront,
  catalog: string,
  ddb: DynamoDBClient,
  stock: readonly StockItemKey[] = unshardedStock(hot[0]?.sku ?? ''),
): Promise<HotResult> {
  const conflictsBefore = front.conflicts.transactWrites;
  let reserved = 0;
  let sagaRetries = 0;
  let gaveUp = 0;
  const other: string[] = [];
  const t1 = performance.now();
  await pool(hot.length, r.concurrency, async (i) => {
    const d = hot[i] as Reservation;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await reserveOne(r, d);
        if (outcome.outcome === 'reserved') reserved += 1;
        else other.push(outcome.outcome);
        return;
      } catch (error) {
        if (!(error instanceof TransientError)) return void other.push((error as Error).name);
        if (attempt >= SAGA_ATTEMPTS) return void (gaveUp += 1);
        sagaRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2_000, 50 * 2 ** attempt)));
      }
    }
  });
  const seconds = (performance.now() - t1) / 1000;
  let reservedOnItems = 0;
  let onHand = 0;
  for (const key of hot.length > 0 ? stock : []) {
    const { Item } = await ddb.send(new GetItemCommand({ TableName: catalog, Key: marshall(key), ConsistentRead: true }));
    const item = Item ? unmarshall(Item) : {};
    reservedOnItems += Number(item.reserved ?? 0);
    onHand += Number(item.onHand ?? 0);
  }
  return {
    attempts: hot.length,
    reserved,
    conflicts: front.conflicts.transactWrites - conflictsBefore,
    sagaRetries,
    gaveUp,
    reservedOnItems,
    onHand,
    oversold: reservedOnItems - reserved,
    seconds,
    other,
  };
}

/** ReserveStock's transaction for one reservation: one unit of its SKU, held until the run's expiry. */
export function reserveOne(r: Reserver, d: Reservation) {
  return r.ledger.reserve(d.orderId, [{ sku: d.sku, quantity: 1 }], r.expiresAt, new Date().toISOString());
}

/**
 * Items shaped like the real ones, for scratch tables: SKU items copied from the catalog's item of `sku` with
 * `stock` units on hand (spread over `shards` stock items, as the catalog creates a sharded SKU), and PENDING orders
 * of one unit as checkout writes them.
 */
export async function itemsShapedLike(ddb: DynamoDBClient, catalogTable: string, sku: string, stock: number, shards = 1) {
  const { Item } = await ddb.send(new GetItemCommand({ TableName: catalogTable, Key: marshall({ pk: `SKU#${sku}`, sk: 'SKU' }), ConsistentRead: true }));
  if (!Item) throw new Error(`SKU ${sku} is not in the catalog table`);
  const skuTemplate = unmarshall(Item);
  const at = new Date().toISOString();
  const price = { amount: Number(skuTemplate.priceAmount), currency: String(skuTemplate.priceCurrency) };
  const [first = 0, ...rest] = spreadOnHand(
    stock,
    Array.from({ length: shards }, () => ({ onHand: 0, reserved: 0 })),
  );
  const skuItem = (code: string) => ({
    ...skuTemplate,
    pk: `SKU#${code}`,
    sku: code,
    onHand: first,
    reserved: 0,
    available: first,
    version: 1,
    ...(shards > 1 ? { stockShards: shards } : {}),
  });
  /** The SKU item and its other shards. */
  const stockItems = (code: string) => [skuItem(code), ...rest.map((onHand, i) => shardItem(code, i + 1, onHand))];
  const pendingOrder = (orderId: string, code: string) =>
    orderItem(
      {
        orderId,
        customerId: 'bench-raw-customer',
        status: 'PENDING',
        lines: [
          { sku: code, productId: String(skuTemplate.productId), vendorId: String(skuTemplate.vendorId), quantity: 1, unitPrice: price, lineTotal: price },
        ],
        total: price,
        createdAt: at,
        updatedAt: at,
      },
      STAGE_DEFAULTS.dev.orders.statusShards,
    );
  return { skuItem, stockItems, pendingOrder };
}
