import { performance } from 'node:perf_hooks';
import type { PartitionUse } from '../../local/aws/dynamodb/partition-heat';
import { pool, sleep } from '../lib/concurrency';
import { checkoutAndPay } from '../lib/paid-order';
import { log } from '../lib/progress';
import type { ScaleOptions } from './options';
import type { ScaleContext } from './workload';

export interface OrdersResult {
  readonly sent: number;
  readonly fulfilled: number;
  readonly lines: number;
  /** Units sold of each SKU, by code. */
  readonly unitsBySku: ReadonlyMap<string, number>;
  readonly problems: string[];
  readonly seconds: number;
  /** Orders not started because the run's timeout had passed. */
  readonly skipped: number;
  readonly partitions: PartitionUse[];
  readonly conflicts: number;
}

/**
 * Drives --orders orders, --concurrency at a time, from checkout through payment (the Stripe stand-in) to FULFILLED,
 * with the runtime's DynamoDB recording capacity per partition from a reset; no order starts after --timeout.
 * The schedules are stopped first: each scheduled job is run once afterwards, on its own (jobs.ts).
 */
export async function driveOrders(ctx: ScaleContext, opts: ScaleOptions): Promise<OrdersResult> {
  const { front } = ctx.runtime.services.dynamodb;
  await ctx.runtime.services.schedules.stop();
  const conflictsBefore = front.conflicts.transactWrites + front.conflicts.writes + front.conflicts.transactGets;
  front.heat.reset();
  front.recordingHeat = true;
  const unitsBySku = new Map<string, number>();
  const problems: string[] = [];
  let fulfilled = 0;
  let lines = 0;
  let skipped = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.timeoutSeconds * 1000;
  log(`Driving ${opts.orders} orders to FULFILLED, ${opts.concurrency} at a time, heat recording on...`);
  try {
    await pool(opts.orders, opts.concurrency, async () => {
      const order = ctx.nextOrder();
      if (performance.now() > deadline) return void (skipped += 1);
      const outcome = await checkoutAndPay(ctx, ctx.customers[order.customer] as string, order.items).catch((error: unknown) => ({
        problem: (error as Error).message,
      }));
      if ('problem' in outcome) return void problems.push(outcome.problem);
      fulfilled += 1;
      lines += order.items.length;
      for (const line of order.items) unitsBySku.set(line.sku, (unitsBySku.get(line.sku) ?? 0) + line.quantity);
      if (fulfilled % 25 === 0) process.stderr.write(`\r  fulfilled ${fulfilled}/${opts.orders}   `);
    });
    // Stripe's last webhooks of the last orders land after FULFILLED; they belong to the orders.
    await sleep(1_000);
  } finally {
    front.recordingHeat = false;
    process.stderr.write('\n');
  }
  const conflicts = front.conflicts.transactWrites + front.conflicts.writes + front.conflicts.transactGets - conflictsBefore;
  return {
    sent: opts.orders - skipped,
    fulfilled,
    lines,
    unitsBySku,
    problems,
    seconds: (performance.now() - t0) / 1000,
    skipped,
    partitions: front.heat.report().partitions,
    conflicts,
  };
}
