import { DescribeExecutionCommand, DescribeStateMachineCommand, GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { sleep } from '../lib/concurrency';
import type { FunctionTally, InvocationLog } from '../lib/lambda-invocations';
import { log } from '../lib/progress';
import { median } from '../lib/stats';
import type { BenchContext } from './context';
import type { CheckoutOptions } from './options';
import { POLL_MS } from '../lib/order-status';
import { checkoutAndPay, type PaidOrder } from '../lib/paid-order';

export interface PaidResult {
  readonly orders: number;
  readonly fulfilled: number;
  readonly checkoutToFulfilledMs: number[];
  readonly confirmToFulfilledMs: number[];
  readonly statesEntered: number[];
  readonly executionStatuses: string[];
  readonly problems: string[];
}

export interface LambdaPerOrder {
  readonly rows: Array<{ label: string; perOrder: number; medianMs: number; memoryMb: number; errors: number }>;
  readonly invocations: number;
  readonly gbSeconds: number;
  readonly webhookDeliveries: number;
}

/** The paid orders, the Lambda work each cost, and the saga's happy path (state names) from its definition. */
export interface PaidPhase {
  readonly paid: PaidResult;
  readonly lambda: LambdaPerOrder;
  readonly happy: string[];
  /** Step Functions transitions per order: the happy path's states plus 1 for the start. */
  readonly transitions: number;
}

/** Phase 2: --paid orders, one at a time, through to FULFILLED, with the Lambda invocations each costs. */
export async function paidPhase(ctx: BenchContext, opts: CheckoutOptions, invocations: InvocationLog): Promise<PaidPhase> {
  log(`2/4 ${opts.paid} paid orders, one at a time, to FULFILLED...`);
  const paid = await paidOrders(ctx, opts, invocations);
  const lambda = lambdaPerOrder(invocations.of('paid'), Math.max(1, paid.fulfilled));
  const definition = (await ctx.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: ctx.stateMachineArn }))).definition ?? '{}';
  const happy = happyPath(definition);
  return { paid, lambda, happy, transitions: happy.length + 1 };
}

/** One warm-up order, then opts.paid measured ones, each under its own invocation phase; then their executions. */
async function paidOrders(ctx: BenchContext, opts: CheckoutOptions, invocations: InvocationLog): Promise<PaidResult> {
  const result: PaidResult = {
    orders: opts.paid,
    fulfilled: 0,
    checkoutToFulfilledMs: [],
    confirmToFulfilledMs: [],
    statesEntered: [],
    executionStatuses: [],
    problems: [],
  };
  const measured: string[] = [];
  for (let k = 0; k <= opts.paid; k++) {
    invocations.phase = k === 0 ? 'paid-warmup' : 'paid';
    process.stderr.write(k === 0 ? '  paid orders: warm-up' : ` ${k}`);
    const order = await payOneOrder(ctx);
    if ('problem' in order) {
      result.problems.push(order.problem);
      continue;
    }
    if (k === 0) continue;
    measured.push(order.orderId);
    result.checkoutToFulfilledMs.push(order.checkoutToFulfilledMs);
    result.confirmToFulfilledMs.push(order.confirmToFulfilledMs);
  }
  process.stderr.write('\n');
  invocations.phase = 'after-paid';
  for (const orderId of measured) {
    const { status, statesEntered } = await executionOf(ctx, orderId);
    result.executionStatuses.push(status);
    result.statesEntered.push(statesEntered);
  }
  return { ...result, fulfilled: measured.length };
}

/** One order of the benchmark SKU paid and fulfilled; late webhooks (Stripe sends several events per payment) land in its phase. */
async function payOneOrder(ctx: BenchContext): Promise<PaidOrder | { problem: string }> {
  const order = await checkoutAndPay(ctx, ctx.customerToken, [{ sku: ctx.sku, quantity: 1 }]);
  await sleep(500);
  return order;
}

/** The order's saga execution once it has stopped running (bounded wait): its status and the states it entered. */
async function executionOf(ctx: BenchContext, orderId: string): Promise<{ status: string; statesEntered: number }> {
  const executionArn = `${ctx.stateMachineArn.replace(':stateMachine:', ':execution:')}:${orderId}`;
  let status = 'UNKNOWN';
  for (let i = 0; i < 50; i++) {
    status = (await ctx.sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'UNKNOWN';
    if (status !== 'RUNNING') break;
    await sleep(POLL_MS);
  }
  const history = await ctx.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return { status, statesEntered: (history.events ?? []).filter((e) => e.type?.endsWith('StateEntered')).length };
}

/** The happy path of the definition: from StartAt along Next to the end, the names of the states entered. */
function happyPath(definition: string): string[] {
  const asl = JSON.parse(definition) as { StartAt: string; States: Record<string, { Next?: string; End?: boolean; Type: string }> };
  const states: string[] = [];
  let name: string | undefined = asl.StartAt;
  for (let i = 0; i < 100 && name; i++) {
    states.push(name);
    const state: { Next?: string; End?: boolean; Type: string } | undefined = asl.States[name];
    name = state && !state.End && state.Type !== 'Succeed' && state.Type !== 'Fail' ? state.Next : undefined;
  }
  return states;
}

/** Invocations, median durations and billed GB-seconds of the paid orders, per order. */
function lambdaPerOrder(tallies: Map<string, FunctionTally>, orders: number): LambdaPerOrder {
  const rows = [...tallies]
    .map(([label, t]) => ({ label, perOrder: t.count / orders, medianMs: median(t.ms), memoryMb: t.memoryMb, errors: t.errors }))
    .sort((a, b) => a.label.localeCompare(b.label));
  // Lambda bills each invocation's duration rounded up to the millisecond.
  const gbSeconds = [...tallies.values()].reduce((sum, t) => sum + (t.ms.reduce((s, m) => s + Math.ceil(m), 0) / 1000) * (t.memoryMb / 1024), 0) / orders;
  return {
    rows,
    invocations: rows.reduce((s, r) => s + r.perOrder, 0),
    gbSeconds,
    webhookDeliveries: (tallies.get('ReceiveStripeWebhook')?.count ?? 0) / orders,
  };
}
