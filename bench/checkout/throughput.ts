import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ApiResponse } from '../../local/clients/api-client';
import type { LocalRuntime } from '../../local/runtime/local-runtime';
import type { OrderStatus } from '../../shared/domain/orders/order';
import { pool, sleep } from '../lib/concurrency';
import type { InvocationLog } from '../lib/lambda-invocations';
import { coresBusy, type CpuSnapshot } from '../lib/process-cpu';
import { log } from '../lib/progress';
import type { BenchContext } from './context';
import type { CheckoutOptions } from './options';
import { ENDED, orderStatuses, PAST_AWAITING, POLL_MS } from '../lib/order-status';

export interface ThroughputResult {
  readonly sent: number;
  readonly accepted: number;
  readonly statuses: Map<number, number>;
  readonly firstRefusal?: string;
  readonly acceptSeconds: number;
  readonly acceptLatencyMs: number[];
  readonly reached: number;
  readonly ended: Map<string, number>;
  readonly e2eSeconds: number;
  readonly e2eLatencyMs: number[];
  readonly timedOut: number;
}

/** The measured checkout run and what the runtime did during it. */
export interface ThroughputPhase {
  readonly result: ThroughputResult;
  /** ReserveStock invocations during the run (more than one per order means retries). */
  readonly reserveInvocations: number;
  /** Execution environments started during the run. */
  readonly coldStarts: number;
  readonly coresBusy: string;
  /** Requests the runtime's DynamoDB refused with TransactionConflict during the run (each one retried). */
  readonly conflicts: number;
  /** The same checkouts with IAM enforced and not, for its overhead (undefined when the runtime runs without IAM). */
  readonly iamComparison?: IamComparison;
}

/** What a checkout run has seen so far, shared by the senders and the orders-table watcher. */
interface Tally {
  /** Accepted order id → when its checkout was sent. */
  readonly accepted: Map<string, number>;
  /** Order id → when it was first seen AWAITING_PAYMENT or later. */
  readonly reached: Map<string, number>;
  readonly ended: Map<string, OrderStatus>;
  /** HTTP status → answers (0: network error). */
  readonly statuses: Map<number, number>;
  readonly acceptLatencyMs: number[];
  firstRefusal?: string;
  sending: boolean;
}

/**
 * Phase 1: a warm-up round at the measured concurrency, then --orders checkouts over HTTP with the saga's progress
 * to AWAITING_PAYMENT, counting invocations, cold starts and CPU.
 */
export async function throughputPhase(ctx: BenchContext, opts: CheckoutOptions, invocations: InvocationLog, cpu: () => CpuSnapshot): Promise<ThroughputPhase> {
  // Execution environments start on demand (cold starts import ~1 MB bundles): a first round at the same
  // concurrency starts them, so the measured run sees warm functions, as a system under steady load does.
  log(`1/4 warm-up: ${opts.concurrency} checkouts (not counted)...`);
  invocations.phase = 'warmup';
  const warm = await checkoutThroughput(ctx, { ...opts, orders: opts.concurrency });
  if (warm.reached < warm.accepted || warm.accepted < opts.concurrency)
    log(`  warm-up: only ${warm.reached} of ${opts.concurrency} orders reached AWAITING_PAYMENT`);
  log(
    `1/4 ${opts.orders} checkouts over HTTP, ${opts.concurrency} at a time; waiting (at most ${opts.timeoutSeconds} s) for every order to reach AWAITING_PAYMENT...`,
  );
  invocations.phase = 'throughput';
  const coldBefore = coldStarts(ctx.runtime);
  const cpuBefore = cpu();
  const conflictsBefore = conflictsSoFar(ctx);
  const result = await checkoutThroughput(ctx, opts);
  const busy = coresBusy(cpuBefore, cpu());
  const coldDuring = coldStarts(ctx.runtime) - coldBefore;
  const conflicts = conflictsSoFar(ctx) - conflictsBefore;
  const measured = {
    result,
    reserveInvocations: invocations.of('throughput').get('ReserveStock')?.count ?? 0,
    coldStarts: coldDuring,
    coresBusy: busy,
    conflicts,
  };
  const iam = ctx.runtime.services.iam;
  if (!iam.enforcing) return measured;
  return { ...measured, iamComparison: await compareIam(ctx, opts, invocations) };
}

/** Orders per second to AWAITING_PAYMENT with IAM enforced and without, over the same number of orders each. */
export interface IamComparison {
  readonly ordersEach: number;
  readonly enforced: number;
  readonly notEnforced: number;
  /** Measured inside the runtime over the enforced runs: authorized requests, time in authorize, policy evaluations. */
  readonly authorizedPerOrder: number;
  readonly authorizeMsPerOrder: number;
  readonly evaluations: number;
}

/**
 * The same checkouts with and without IAM enforcement, in the order on, off, off, on (a quarter of --orders each):
 * the runtime keeps getting faster as it runs (DynamoDB Local's JVM compiles its hot paths, V8 ours), so one run
 * after the other would credit that to whichever came second; ABBA cancels a steady drift.
 */
async function compareIam(ctx: BenchContext, opts: CheckoutOptions, invocations: InvocationLog): Promise<IamComparison> {
  const iam = ctx.runtime.services.iam;
  const ordersEach = Math.max(opts.concurrency, Math.round(opts.orders / 4));
  log(`1/4 IAM enforcement on, off, off, on: ${ordersEach} checkouts each, for its overhead...`);
  invocations.phase = 'iam-comparison';
  const totals = { on: { reached: 0, seconds: 0 }, off: { reached: 0, seconds: 0 } };
  const cost = { requests: 0, milliseconds: 0, evaluations: 0 };
  try {
    for (const enforced of [true, false, false, true]) {
      iam.enforcing = enforced;
      const before = iam.cost();
      const run = await checkoutThroughput(ctx, { ...opts, orders: ordersEach });
      const after = iam.cost();
      cost.requests += after.requests - before.requests;
      cost.milliseconds += after.milliseconds - before.milliseconds;
      cost.evaluations += after.evaluations - before.evaluations;
      const side = enforced ? totals.on : totals.off;
      side.reached += run.reached;
      side.seconds += Number.isFinite(run.e2eSeconds) ? run.e2eSeconds : 0;
    }
  } finally {
    iam.enforcing = true;
  }
  const rate = (x: { reached: number; seconds: number }) => (x.seconds > 0 ? x.reached / x.seconds : 0);
  const orders = Math.max(1, totals.on.reached);
  return {
    ordersEach,
    enforced: rate(totals.on),
    notEnforced: rate(totals.off),
    authorizedPerOrder: cost.requests / orders,
    authorizeMsPerOrder: cost.milliseconds / orders,
    evaluations: cost.evaluations,
  };
}

/** TransactionConflict refusals the runtime's DynamoDB has answered so far. */
function conflictsSoFar(ctx: BenchContext): number {
  const { transactWrites, writes, transactGets } = ctx.runtime.services.dynamodb.front.conflicts;
  return transactWrites + writes + transactGets;
}

/** Fires opts.orders checkouts, opts.concurrency at a time, while watching the orders table until each has moved. */
async function checkoutThroughput(ctx: BenchContext, opts: CheckoutOptions): Promise<ThroughputResult> {
  const tally: Tally = { accepted: new Map(), reached: new Map(), ended: new Map(), statuses: new Map(), acceptLatencyMs: [], sending: true };
  const t0 = performance.now();
  const deadline = t0 + opts.timeoutSeconds * 1000;
  // Watches the orders table while the checkouts go out, so each order's time to AWAITING_PAYMENT is its own.
  const watcher = watchOrders(ctx, opts, tally, deadline);
  let acceptSeconds = 0;
  try {
    await pool(opts.orders, opts.concurrency, async () => {
      if (performance.now() <= deadline) await sendCheckout(ctx, tally);
    });
    acceptSeconds = (performance.now() - t0) / 1000;
  } finally {
    tally.sending = false;
    await watcher;
    process.stderr.write('\n');
  }
  return summarise(tally, t0, acceptSeconds);
}

/** Reads the status of every open accepted order each POLL_MS until none is open after sending, or the deadline. */
async function watchOrders(ctx: BenchContext, opts: CheckoutOptions, tally: Tally, deadline: number): Promise<void> {
  for (let round = 0; round < Math.ceil((opts.timeoutSeconds * 1000) / POLL_MS) && performance.now() < deadline; round++) {
    const open = [...tally.accepted.keys()].filter((id) => !tally.reached.has(id) && !tally.ended.has(id));
    if (!tally.sending && open.length === 0) return;
    const current = await orderStatuses(ctx.ddb, ctx.ordersTable, open);
    const now = performance.now();
    for (const [id, status] of current) {
      if (PAST_AWAITING.has(status)) tally.reached.set(id, now);
      else if (ENDED.has(status)) tally.ended.set(id, status);
    }
    if (round % 25 === 0)
      process.stderr.write(`\r  accepted ${tally.accepted.size}/${opts.orders}, AWAITING_PAYMENT ${tally.reached.size}, failed ${tally.ended.size}   `);
    await sleep(POLL_MS);
  }
}

/** One POST /checkout of one unit of the benchmark SKU, with a fresh Idempotency-Key, tallied. */
async function sendCheckout(ctx: BenchContext, tally: Tally): Promise<void> {
  const sentAt = performance.now();
  let answer: ApiResponse;
  try {
    answer = await ctx.api('POST', '/checkout', ctx.customerToken, { items: [{ sku: ctx.sku, quantity: 1 }] }, { 'Idempotency-Key': `bench-${randomUUID()}` });
  } catch (error) {
    tally.statuses.set(0, (tally.statuses.get(0) ?? 0) + 1);
    tally.firstRefusal ??= `network: ${(error as Error).message}`;
    return;
  }
  const latency = performance.now() - sentAt;
  tally.statuses.set(answer.status, (tally.statuses.get(answer.status) ?? 0) + 1);
  if (answer.status === 202 && typeof answer.body.orderId === 'string') {
    tally.acceptLatencyMs.push(latency);
    tally.accepted.set(answer.body.orderId, sentAt);
  } else {
    tally.firstRefusal ??= `${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`;
  }
}

function summarise(tally: Tally, t0: number, acceptSeconds: number): ThroughputResult {
  const { accepted, reached, ended, statuses, acceptLatencyMs, firstRefusal } = tally;
  const lastReached = Math.max(...reached.values());
  const endedCounts = new Map<string, number>();
  for (const s of ended.values()) endedCounts.set(s, (endedCounts.get(s) ?? 0) + 1);
  return {
    sent: [...statuses.values()].reduce((a, b) => a + b, 0),
    accepted: accepted.size,
    statuses,
    ...(firstRefusal ? { firstRefusal } : {}),
    acceptSeconds,
    acceptLatencyMs,
    reached: reached.size,
    ended: endedCounts,
    e2eSeconds: reached.size > 0 ? (lastReached - t0) / 1000 : Number.NaN,
    e2eLatencyMs: [...reached].map(([id, at]) => at - (accepted.get(id) ?? at)),
    timedOut: accepted.size - reached.size - ended.size,
  };
}

/** Execution environments every local function has started so far. */
function coldStarts(runtime: LocalRuntime): number {
  return runtime.services.lambdas.all().reduce((sum, fn) => sum + fn.coldStartCount, 0);
}
