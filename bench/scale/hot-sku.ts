import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { retryTransactionConflicts } from '../../shared/adapters/dynamodb-conflict-retry';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { DEFAULT_HOLD_SECONDS } from '../../shared/domain/orders/saga';
import { type HotResult, itemsShapedLike, type Reserver, reserveHot, shardedStock } from '../lib/hot-sku';
import { log } from '../lib/progress';
import { localAws } from '../lib/runtime-clients';
import { cloneTable, putAll } from '../lib/scratch-tables';
import type { ScaleOptions } from './options';
import type { ScaleContext } from './workload';
import { STAGE_DEFAULTS } from '../../lib/config/stages';

export interface HotSkuRun {
  readonly result: HotResult;
  /** Units the hot SKU started with (fewer than the reservations, so some must be refused). */
  readonly stock: number;
  /** Stock shards of the SKU: each its own item, so its own partition key. */
  readonly shards: number;
  /** Write and read units per unit reserved on the busiest stock item's partition (lost attempts included). */
  readonly writePerReservation: number;
  readonly readPerReservation: number;
}

/**
 * The hot SKU: --hot concurrent reservations of one unit of one SKU through the real DynamoDbStockLedger (ReserveStock's
 * transaction, retried as the saga does) on scratch copies of the catalog and orders tables, with three units of stock
 * for every four reservations, recording capacity per partition. The SKU keeps its stock in `shards` stock shards
 * (docs/data-model.md, "Stock shards"), each its own partition key: units and oversell are summed over the shards and
 * the rate is the busiest shard's.
 */
export async function hotSkuRun(ctx: ScaleContext, opts: ScaleOptions, shards: number): Promise<HotSkuRun> {
  const { front } = ctx.runtime.services.dynamodb;
  // As functions/wiring builds it: a request that lost to a concurrent transaction is retried by the client.
  const ddb = retryTransactionConflicts(new DynamoDBClient(localAws(ctx.runtime.endpoints.aws.dynamodb)));
  const tag = randomBytes(3).toString('hex');
  const scratch = { catalog: `bench-scale-catalog-${tag}`, orders: `bench-scale-orders-${tag}` };
  const created: string[] = [];
  const stock = Math.floor((opts.hot * 3) / 4);
  try {
    await cloneTable(ddb, ctx.catalogTable, scratch.catalog);
    created.push(scratch.catalog);
    await cloneTable(ddb, ctx.ordersTable, scratch.orders);
    created.push(scratch.orders);
    const sku = `HOT-${tag}`;
    const { stockItems, pendingOrder } = await itemsShapedLike(ddb, ctx.catalogTable, ctx.skusByRank[0] as string, stock, shards);
    const hot = Array.from({ length: opts.hot }, () => ({ orderId: ulid(), sku }));
    await putAll(ddb, scratch.catalog, stockItems(sku));
    await putAll(
      ddb,
      scratch.orders,
      hot.map((h) => pendingOrder(h.orderId, sku)),
    );
    const reserver: Reserver = {
      ledger: new DynamoDbStockLedger(ddb, scratch.catalog, scratch.orders, STAGE_DEFAULTS.dev.orders.statusShards),
      expiresAt: new Date(Date.now() + DEFAULT_HOLD_SECONDS * 1000).toISOString(),
      concurrency: opts.hot,
    };
    log(`Hot SKU: ${opts.hot} concurrent reservations of one SKU with ${stock} units in ${shards} stock shard(s), heat recording on...`);
    const items = shardedStock(sku, shards);
    front.heat.reset();
    front.recordingHeat = true;
    let result: HotResult;
    try {
      result = await reserveHot(reserver, hot, front, scratch.catalog, ddb, items);
    } finally {
      front.recordingHeat = false;
    }
    const shardKeys = new Set(items.map((i) => i.pk));
    const shardUse = front.heat.report().partitions.filter((p) => p.table === scratch.catalog && !p.index && shardKeys.has(p.partitionKey));
    const busiest = shardUse.reduce((a, b) => (b.writeUnits > a.writeUnits ? b : a), shardUse[0] ?? { writeUnits: 0, readUnits: 0 });
    return {
      result,
      stock,
      shards: items.length,
      // Per unit reserved: what the attempts that lost cost the item is part of what a sold unit costs it.
      writePerReservation: busiest.writeUnits / Math.max(1, result.reserved),
      readPerReservation: busiest.readUnits / Math.max(1, result.reserved),
    };
  } finally {
    for (const table of created) await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    ddb.destroy();
  }
}
