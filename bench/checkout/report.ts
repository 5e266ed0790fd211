import * as os from 'node:os';
import { ms, num } from '../lib/format';
import { median, percentile } from '../lib/stats';
import type { CapacityResult } from './capacity';
import { costTable } from './cost';
import type { CheckoutOptions } from './options';
import { POLL_MS } from '../lib/order-status';
import type { LambdaPerOrder, PaidPhase, PaidResult } from './paid-orders';
import type { RawResult } from './raw-transactions';
import type { IamComparison, ThroughputPhase } from './throughput';

/** What the four phases measured. */
export interface CheckoutResults {
  readonly throughput: ThroughputPhase;
  readonly paid: PaidPhase;
  readonly capacity: CapacityResult;
  readonly raw: RawResult;
}

/** The markdown report: throughput, one paid order, DynamoDB capacity and cost per order. */
export function checkoutReport(r: CheckoutResults, opts: CheckoutOptions): string {
  const { throughput, paid, capacity } = r;
  return [
    '### Throughput',
    '',
    throughputTable(throughput, r.raw, opts),
    ...(throughput.result.firstRefusal ? ['', `First refused or failed checkout: ${throughput.result.firstRefusal}`] : []),
    '',
    '### One paid order, end to end',
    '',
    paidTable(paid.paid, paid.lambda, paid.happy),
    '',
    '### DynamoDB capacity per order',
    '',
    `${capacity.orders} orders driven through the real adapters and domain use cases (Powertools idempotency wrapper included); Stripe, Step Functions, SQS and the fulfilment provider replaced by in-process stand-ins. Units are DynamoDB Local's ConsumedCapacity (mode INDEXES), averaged per order.`,
    '',
    capacityTable(capacity),
    ...(capacity.unmetered.length > 0 ? ['', ...capacity.unmetered.map((u) => `- Not metered: ${u}`)] : []),
    '',
    '### Cost per 1,000 orders (AWS list prices, us-east-1, on demand)',
    '',
    costTable(capacity, paid.lambda, paid.transitions),
  ].join('\n');
}

function countStatuses(statuses: Map<number, number>): string {
  return [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n}× ${status === 0 ? 'network error' : status}`)
    .join(', ');
}

/** How much slower the end-to-end rate was with IAM enforced than without, in percent (negative: faster). */
function iamOverhead({ enforced, notEnforced }: IamComparison): string {
  if (enforced <= 0 || notEnforced <= 0) return '—';
  return `${num(((notEnforced - enforced) / notEnforced) * 100, 1)}%`;
}

function throughputTable(phase: ThroughputPhase, raw: RawResult, opts: CheckoutOptions): string {
  const t = phase.result;
  const rate = (n: number, s: number) => (s > 0 ? num(n / s) : '—');
  const ended = [...t.ended].map(([s, n]) => `${n} ${s}`).join(', ');
  return [
    '| Measure | Result |',
    '|---|--:|',
    `| POST /checkout sent (${opts.concurrency} at a time, after ${opts.concurrency} warm-up orders) | ${t.sent}: ${countStatuses(t.statuses)} |`,
    `| Accepted (202) per second | **${rate(t.accepted, t.acceptSeconds)}** (${t.accepted} in ${num(t.acceptSeconds)} s) |`,
    `| 202 latency p50 / p99 (ms) | ${ms(median(t.acceptLatencyMs))} / ${ms(percentile(t.acceptLatencyMs, 99))} |`,
    `| Orders to AWAITING_PAYMENT per second, end to end | **${rate(t.reached, t.e2eSeconds)}** (${t.reached} of ${t.accepted} in ${num(t.e2eSeconds)} s from the first request)${ended ? `; ${ended}` : ''}${t.timedOut > 0 ? `; ${t.timedOut} still open at the timeout` : ''} |`,
    `| Checkout sent → AWAITING_PAYMENT p50 / p99 (ms, ±${POLL_MS} ms polling) | ${ms(median(t.e2eLatencyMs))} / ${ms(percentile(t.e2eLatencyMs, 99))} |`,
    ...(phase.iamComparison
      ? [
          `| IAM enforcement on / off (${phase.iamComparison.ordersEach} checkouts × 2 each, in the order on, off, off, on): orders to AWAITING_PAYMENT per second | ${num(phase.iamComparison.enforced)} / ${num(phase.iamComparison.notEnforced)} (${iamOverhead(phase.iamComparison)} slower enforced; runs this short differ by more than that from noise alone) |`,
          `| IAM authorization inside the runtime, enforced runs (wall time in authorize, awaits included: an upper bound on its CPU) | **${num(phase.iamComparison.authorizeMsPerOrder, 2)} ms per order** (${num(phase.iamComparison.authorizedPerOrder, 1)} requests authorized per order, ${num((phase.iamComparison.authorizeMsPerOrder / Math.max(1, phase.iamComparison.authorizedPerOrder)) * 1000, 0)} µs each; ${phase.iamComparison.evaluations} policy evaluations, the rest from the decision cache) |`,
        ]
      : []),
    `| DynamoDB TransactionConflict refusals during the run (each retried: by the function's DynamoDB client, then by the saga) | ${phase.conflicts} (${t.accepted > 0 ? num(phase.conflicts / t.accepted, 2) : '—'} per order) |`,
    `| ReserveStock invocations per order (1 = no saga retry) | ${t.accepted > 0 ? num(phase.reserveInvocations / t.accepted, 2) : '—'} |`,
    `| Lambda execution environments started during the run (cold starts) | ${phase.coldStarts} |`,
    `| Cores busy during the run (of ${os.cpus().length}) | ${phase.coresBusy} |`,
    `| Raw ReserveStock TransactWriteItems per second, distinct SKUs (${opts.concurrency} at a time) | **${rate(raw.reserved, raw.seconds)}** (${raw.reserved} of ${raw.transactions} in ${num(raw.seconds)} s${raw.failed.length ? `; ${raw.failed.length} failed: ${[...new Set(raw.failed)].join(', ')}` : ''}) |`,
    `| Raw transaction latency p50 / p99 (ms) | ${ms(median(raw.latencyMs))} / ${ms(percentile(raw.latencyMs, 99))} |`,
    `| Cores busy during the raw run (of ${os.cpus().length}) | ${raw.cpu} |`,
    `| Same transaction on one hot SKU, retried as the saga does: committed per second | ${rate(raw.hot.reserved, raw.hot.seconds)} (${raw.hot.reserved} of ${raw.hot.attempts}; DynamoDB cancelled ${raw.hot.conflicts} with TransactionConflict, ${raw.hot.sagaRetries} still lost after the client's retries and went round again, ${raw.hot.gaveUp} gave up; oversold ${raw.hot.oversold}${raw.hot.other.length ? `; ${raw.hot.other.length} other: ${[...new Set(raw.hot.other)].join(', ')}` : ''}) |`,
  ].join('\n');
}

function paidTable(paid: PaidResult, lambda: LambdaPerOrder, happy: readonly string[]): string {
  const lines = [
    `${paid.fulfilled} of ${paid.orders} paid orders reached FULFILLED (after one warm-up order); checkout → FULFILLED median ${ms(median(paid.checkoutToFulfilledMs))} ms, payment confirmed → FULFILLED median ${ms(median(paid.confirmToFulfilledMs))} ms. Step Functions: states entered per execution ${[...new Set(paid.statesEntered)].join(', ') || '—'} (happy path of the definition: ${happy.join(' → ')}); executions ${[...new Set(paid.executionStatuses)].join(', ') || '—'}.`,
    ...paid.problems.map((p) => `- Problem: ${p}`),
    '',
    '| Function | Invocations per order | Median duration (ms, local) | Memory (MB) |',
    '|---|--:|--:|--:|',
    ...lambda.rows.map((r) => `| ${r.label} | ${num(r.perOrder, 2)} | ${ms(r.medianMs)} | ${r.memoryMb}${r.errors ? ` (${r.errors} errors)` : ''} |`),
    `| **Total** | **${num(lambda.invocations, 2)}** | ${num(lambda.gbSeconds * 1000, 1)} ms·GB billed-equivalent per order | |`,
  ];
  return lines.join('\n');
}

function capacityTable(c: CapacityResult): string {
  return [
    '| Step (function) | DynamoDB calls per order | Read units | Write units (of which index) |',
    '|---|---|--:|--:|',
    ...c.steps.map((s) => `| ${s.step} | ${s.detail} | ${num(s.readUnits)} | ${num(s.writeUnits)} (${num(s.writeIndexUnits)}) |`),
    `| **Per order** | ${num(c.steps.reduce((s, x) => s + x.calls, 0))} calls | **${num(c.readUnits)}** | **${num(c.writeUnits)}** (${num(c.steps.reduce((s, x) => s + x.writeIndexUnits, 0))}) |`,
  ].join('\n');
}
