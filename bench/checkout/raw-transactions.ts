import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { retryTransactionConflicts } from '../../shared/adapters/dynamodb-conflict-retry';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { DEFAULT_HOLD_SECONDS } from '../../shared/domain/orders/saga';
import { pool } from '../lib/concurrency';
import { coresBusy, type CpuSnapshot } from '../lib/process-cpu';
import { log } from '../lib/progress';
import { cloneTable, putAll } from '../lib/scratch-tables';
import { type HotResult, itemsShapedLike, type Reservation, type Reserver, reserveHot, reserveOne } from '../lib/hot-sku';
import { localAws } from '../lib/runtime-clients';
import { BENCH_STOCK, type BenchContext } from './context';
import type { CheckoutOptions } from './options';
import { STAGE_DEFAULTS } from '../../lib/config/stages';

/** Orders sent to the single hot SKU in the raw-transaction contention run, at most. */
const MAX_HOT_TRANSACTIONS = 400;

export interface RawResult {
  readonly transactions: number;
  readonly reserved: number;
  readonly failed: string[];
  readonly seconds: number;
  readonly latencyMs: number[];
  readonly hot: HotResult;
  readonly cpu: string;
}

/**
 * Phase 4: --transactions of ReserveStock's transaction (the real DynamoDbStockLedger.reserve) against scratch copies
 * of the catalog and orders tables, on distinct SKUs, then on one hot SKU. The scratch tables are deleted afterwards.
 */
export async function rawPhase(ctx: BenchContext, opts: CheckoutOptions, cpu: () => CpuSnapshot): Promise<RawResult> {
  log(`4/4 ReserveStock's transaction alone on scratch tables...`);
  // As functions/wiring builds it (3 attempts; requests that lost to a concurrent transaction retried by the client).
  const ddb = retryTransactionConflicts(new DynamoDBClient(localAws(ctx.endpoints.aws.dynamodb)));
  const tag = randomBytes(3).toString('hex');
  const scratch = { catalog: `bench-scratch-catalog-${tag}`, orders: `bench-scratch-orders-${tag}` };
  const created: string[] = [];
  try {
    await cloneTable(ddb, ctx.catalogTable, scratch.catalog);
    created.push(scratch.catalog);
    await cloneTable(ddb, ctx.ordersTable, scratch.orders);
    created.push(scratch.orders);
    const { distinct, hot } = await seedScratchTables(ddb, ctx, opts, tag, scratch);
    const reserver: Reserver = {
      ledger: new DynamoDbStockLedger(ddb, scratch.catalog, scratch.orders, STAGE_DEFAULTS.dev.orders.statusShards),
      expiresAt: new Date(Date.now() + DEFAULT_HOLD_SECONDS * 1000).toISOString(),
      concurrency: opts.concurrency,
    };
    const spread = await reserveDistinct(reserver, distinct, cpu);
    return { ...spread, hot: await hotPhase(reserver, hot, ctx, scratch.catalog, ddb) };
  } finally {
    for (const table of created) await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    ddb.destroy();
  }
}

/** Seeds the scratch tables: a SKU per distinct reservation plus the hot one, and a PENDING order per reservation. */
async function seedScratchTables(ddb: DynamoDBClient, ctx: BenchContext, opts: CheckoutOptions, tag: string, scratch: { catalog: string; orders: string }) {
  const { skuItem, pendingOrder } = await itemsShapedLike(ddb, ctx.catalogTable, ctx.sku, BENCH_STOCK);
  const hotCount = Math.min(opts.transactions, MAX_HOT_TRANSACTIONS);
  const distinct: Reservation[] = Array.from({ length: opts.transactions }, (_, i) => ({ orderId: ulid(), sku: `RAW-${tag}-${i}` }));
  const hot: Reservation[] = Array.from({ length: hotCount }, () => ({ orderId: ulid(), sku: `RAW-${tag}-HOT` }));
  log(`  seeding ${distinct.length + 1} SKUs and ${distinct.length + hot.length} PENDING orders in the scratch tables...`);
  await putAll(ddb, scratch.catalog, [...distinct.map((d) => skuItem(d.sku)), skuItem(`RAW-${tag}-HOT`)]);
  await putAll(
    ddb,
    scratch.orders,
    [...distinct, ...hot].map((d) => pendingOrder(d.orderId, d.sku)),
  );
  return { distinct, hot };
}

/** Reserves every distinct SKU once, `concurrency` at a time, timing each transaction and the cores kept busy. */
async function reserveDistinct(r: Reserver, distinct: readonly Reservation[], cpu: () => CpuSnapshot): Promise<Omit<RawResult, 'hot'>> {
  const latencyMs: number[] = [];
  const failed: string[] = [];
  let reserved = 0;
  log(`  ${distinct.length} reservations on distinct SKUs, ${r.concurrency} at a time...`);
  const cpuBefore = cpu();
  const t0 = performance.now();
  await pool(distinct.length, r.concurrency, async (i) => {
    const d = distinct[i] as Reservation;
    const started = performance.now();
    try {
      const outcome = await reserveOne(r, d);
      if (outcome.outcome === 'reserved') reserved += 1;
      else failed.push(outcome.outcome);
    } catch (error) {
      failed.push((error as Error).name);
    }
    latencyMs.push(performance.now() - started);
  });
  const seconds = (performance.now() - t0) / 1000;
  return { transactions: distinct.length, reserved, failed, seconds, latencyMs, cpu: coresBusy(cpuBefore, cpu()) };
}

/** The hot-SKU run on the scratch catalog. */
function hotPhase(r: Reserver, hot: readonly Reservation[], ctx: BenchContext, catalog: string, ddb: DynamoDBClient): Promise<HotResult> {
  log(`  ${hot.length} reservations on one hot SKU, ${r.concurrency} at a time, retried as the saga does...`);
  return reserveHot(r, hot, ctx.runtime.services.dynamodb.front, catalog, ddb);
}
