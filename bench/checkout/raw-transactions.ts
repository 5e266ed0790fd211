import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DeleteTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { orderItem } from '../../shared/adapters/dynamodb-order-items';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { DEFAULT_HOLD_SECONDS } from '../../shared/domain/orders/saga';
import { TransientError } from '../../shared/domain/orders/saga-errors';
import { pool } from '../lib/concurrency';
import { coresBusy, type CpuSnapshot } from '../lib/process-cpu';
import { log } from '../lib/progress';
import { cloneTable, putAll } from '../lib/scratch-tables';
import { BENCH_STOCK, type BenchContext, localAws } from './context';
import type { CheckoutOptions } from './options';

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

interface HotResult {
  readonly attempts: number;
  readonly reserved: number;
  /** TransactWriteItems DynamoDB cancelled with TransactionConflict (the ledger's own retries included). */
  readonly conflicts: number;
  /** Reservations that still lost after the ledger's retries (TransientError), and were tried again as the saga does. */
  readonly sagaRetries: number;
  /** Reservations that lost every attempt. */
  readonly gaveUp: number;
  /** Units the SKU item says are reserved beyond the reservations that succeeded (0: nothing oversold or lost). */
  readonly oversold: number;
  readonly seconds: number;
  readonly other: string[];
}

/** One reservation to make: a PENDING order of one unit of `sku`. */
interface Reservation {
  readonly orderId: string;
  readonly sku: string;
}

/** Where the raw run reserves: the ledger on the scratch tables, and the hold's expiry every reservation gets. */
interface Reserver {
  readonly ledger: DynamoDbStockLedger;
  readonly expiresAt: string;
  readonly concurrency: number;
}

/**
 * Phase 4: --transactions of ReserveStock's transaction (the real DynamoDbStockLedger.reserve) against scratch copies
 * of the catalog and orders tables, on distinct SKUs, then on one hot SKU. The scratch tables are deleted afterwards.
 */
export async function rawPhase(ctx: BenchContext, opts: CheckoutOptions, cpu: () => CpuSnapshot): Promise<RawResult> {
  log(`4/4 ReserveStock's transaction alone on scratch tables...`);
  const ddb = new DynamoDBClient({ ...localAws(ctx.endpoints.aws.dynamodb), maxAttempts: 1 });
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
      ledger: new DynamoDbStockLedger(ddb, scratch.catalog, scratch.orders),
      expiresAt: new Date(Date.now() + DEFAULT_HOLD_SECONDS * 1000).toISOString(),
      concurrency: opts.concurrency,
    };
    const spread = await reserveDistinct(reserver, distinct, cpu);
    return { ...spread, hot: await reserveHot(reserver, hot, ctx, scratch.catalog, ddb) };
  } finally {
    for (const table of created) await ddb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    ddb.destroy();
  }
}

/** Seeds the scratch tables: a SKU per distinct reservation plus the hot one, and a PENDING order per reservation. */
async function seedScratchTables(ddb: DynamoDBClient, ctx: BenchContext, opts: CheckoutOptions, tag: string, scratch: { catalog: string; orders: string }) {
  const { skuItem, pendingOrder } = await shapedLikeTheReal(ddb, ctx);
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

/** Items shaped like the real ones: the benchmark SKU's own item, and an order as checkout writes it. */
async function shapedLikeTheReal(ddb: DynamoDBClient, ctx: BenchContext) {
  const { Item } = await ddb.send(
    new GetItemCommand({ TableName: ctx.catalogTable, Key: marshall({ pk: `SKU#${ctx.sku}`, sk: 'SKU' }), ConsistentRead: true }),
  );
  if (!Item) throw new Error(`SKU ${ctx.sku} is not in the catalog table`);
  const skuTemplate = unmarshall(Item);
  const at = new Date().toISOString();
  const price = { amount: Number(skuTemplate.priceAmount), currency: String(skuTemplate.priceCurrency) };
  const skuItem = (code: string) => ({ ...skuTemplate, pk: `SKU#${code}`, sku: code, onHand: BENCH_STOCK, reserved: 0, available: BENCH_STOCK, version: 1 });
  const pendingOrder = (orderId: string, code: string) =>
    orderItem({
      orderId,
      customerId: 'bench-raw-customer',
      status: 'PENDING',
      lines: [{ sku: code, productId: String(skuTemplate.productId), vendorId: String(skuTemplate.vendorId), quantity: 1, unitPrice: price, lineTotal: price }],
      total: price,
      createdAt: at,
      updatedAt: at,
    });
  return { skuItem, pendingOrder };
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

/** Attempts a saga step gets (its Retry's MaxAttempts, plus the first). */
const SAGA_ATTEMPTS = 7;

/**
 * Reserves the one hot SKU for every hot order, `concurrency` at a time, as the saga does: the ledger retries a
 * conflicted transaction twice itself, and what still conflicts (TransientError) is tried again after a full-jitter
 * wait (scaled down from the saga's 1 s base to keep the run short). Counts the conflicts DynamoDB answered, then
 * reads the SKU item: what it says is reserved must be exactly what succeeded.
 */
async function reserveHot(r: Reserver, hot: readonly Reservation[], ctx: BenchContext, catalog: string, ddb: DynamoDBClient): Promise<HotResult> {
  log(`  ${hot.length} reservations on one hot SKU, ${r.concurrency} at a time, retried as the saga does...`);
  const front = ctx.runtime.services.dynamodb.front;
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
  const sku = hot[0]?.sku;
  const { Item } = sku
    ? await ddb.send(new GetItemCommand({ TableName: catalog, Key: marshall({ pk: `SKU#${sku}`, sk: 'SKU' }), ConsistentRead: true }))
    : { Item: undefined };
  const item = Item ? unmarshall(Item) : { reserved: 0 };
  return {
    attempts: hot.length,
    reserved,
    conflicts: front.conflicts.transactWrites - conflictsBefore,
    sagaRetries,
    gaveUp,
    oversold: Number(item.reserved) - reserved,
    seconds,
    other,
  };
}

/** ReserveStock's transaction for one reservation: one unit of its SKU, held until the run's expiry. */
function reserveOne(r: Reserver, d: Reservation) {
  return r.ledger.reserve(d.orderId, [{ sku: d.sku, quantity: 1 }], r.expiresAt, new Date().toISOString());
}
