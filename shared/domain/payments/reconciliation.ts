import type { AuditLog } from '../../ports/audit-log';
import type { OrderRepository } from '../../ports/order-repository';
import type { PaymentGateway } from '../../ports/payment-gateway';
import type { PaymentHistory, ProviderPaymentSummary } from '../../ports/payment-history';
import type { PaymentRecords } from '../../ports/payment-records';
import type { Discrepancy, ReconciliationReport, ReconciliationReports, RemedyName } from '../../ports/reconciliation-reports';
import type { WaitingSteps } from '../../ports/workflow';
import { BusinessRuleError, NotFoundError } from '../errors';
import { OPEN_STATUSES, type OrderStatus, type StoredOrder } from '../orders/order';
import { receivePaymentOutcome } from '../orders/saga';

export interface ReconciliationOptions {
  /** How far back PaymentIntents, refunds and orders are compared. */
  readonly windowHours: number;
  /** An open order older than this is reported as stuck. */
  readonly stuckAfterMinutes: number;
  /**
   * The newest this long are left out: their webhooks may still be on the way, and a report is about what stayed
   * wrong, not what is in flight.
   */
  readonly settleSeconds: number;
  /** The remedies the stage lets the job apply by itself. */
  readonly remedies: readonly RemedyName[];
}

export interface ReconciliationDeps {
  readonly history: PaymentHistory;
  readonly payments: PaymentGateway;
  readonly orders: OrderRepository;
  readonly records: PaymentRecords;
  readonly waits: WaitingSteps;
  readonly reports: ReconciliationReports;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

/** Discrepancies listed in one report; a DynamoDB item holds at most 400 KB. */
const MAX_LISTED = 500;

/** The actor reconciliation's audit events carry. */
export const RECONCILIATION_ACTOR = 'system:reconciliation';

const ALL_STATUSES: readonly OrderStatus[] = ['PENDING', 'RESERVED', 'AWAITING_PAYMENT', 'CONFIRMED', 'FULFILLED', 'FAILED', 'CANCELLED', 'REFUNDED'];
/** Orders whose money Stockade has taken (and may since have refunded). */
const PAID_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'FULFILLED', 'REFUNDED'];
/** Orders that no longer want a payment. */
const ENDED_STATUSES: readonly OrderStatus[] = ['FAILED', 'CANCELLED'];
/** PaymentIntent statuses in which no money has moved and the PaymentIntent can still be cancelled. */
const OPEN_INTENT_STATUSES = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture'];

/**
 * Compares Stripe's record with Stockade's over a window and reports what differs: money taken for no live order,
 * orders confirmed without a payment, amounts or currencies that disagree, refunds that drifted, orders stuck before
 * payment, payments Stripe finished whose webhook never arrived, and PaymentIntents left open for no order. Where the
 * stage allows, the safe remedy is applied through the same paths the saga uses (the payment record's one
 * finalizer, idempotency keys from our ids), and each remedy is audited. The report is saved and returned.
 */
export async function reconcilePayments(deps: ReconciliationDeps, options: ReconciliationOptions): Promise<ReconciliationReport> {
  const runAt = deps.now();
  const from = new Date(runAt.getTime() - options.windowHours * 3_600_000);
  const to = new Date(runAt.getTime() - options.settleSeconds * 1000);

  const intents = new Map<string, ProviderPaymentSummary>();
  for await (const pi of deps.history.paymentIntents(from, to)) intents.set(pi.paymentIntentId, pi);
  // Refunds up to now: a refund of a PaymentIntent in the window may be younger than the window's end.
  const refunded = new Map<string, number>();
  for await (const refund of deps.history.refunds(from, runAt)) {
    if (refund.status === 'succeeded' && refund.paymentIntentId)
      refunded.set(refund.paymentIntentId, (refunded.get(refund.paymentIntentId) ?? 0) + refund.amount);
  }
  const orders = new Map<string, StoredOrder>();
  for (const status of ALL_STATUSES) {
    for await (const order of deps.orders.listByStatusCreated(status, from.toISOString(), to.toISOString())) orders.set(order.orderId, order);
  }

  const found: Discrepancy[] = [];
  /** PaymentIntents that are their order's own payment, by id: the order's id. */
  const ownPayments = new Map<string, string>();
  const seen = new Set<string>();
  const report = (d: Discrepancy) => {
    const key = `${d.kind}|${d.orderId ?? ''}|${d.paymentIntentId ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      found.push(d);
    }
  };

  for (const pi of intents.values()) {
    const order = pi.orderId ? (orders.get(pi.orderId) ?? (await deps.orders.get(pi.orderId))) : undefined;
    const ours = order?.payment?.paymentIntentId === pi.paymentIntentId;
    if (order && ours) ownPayments.set(pi.paymentIntentId, order.orderId);
    const money = `${pi.amount} ${pi.currency}`;
    // The PaymentIntent of an order that still wants it (the order's own, and the order not failed or cancelled).
    const live = order && ours && !ENDED_STATUSES.includes(order.status);
    if (pi.status === 'succeeded') {
      const back = refunded.get(pi.paymentIntentId) ?? 0;
      if (!live && back < pi.amount) {
        report({
          kind: 'paid-without-order',
          paymentIntentId: pi.paymentIntentId,
          ...(pi.orderId ? { orderId: pi.orderId } : {}),
          detail: !order
            ? `${money} taken; ${pi.orderId ? `order ${pi.orderId} does not exist` : 'no order in its metadata'}`
            : !ours
              ? `${money} taken; order ${order.orderId} is paid by another PaymentIntent`
              : `${money} taken; order is ${order.status}, ${back} refunded`,
        });
      }
      // Also for an order that failed: the lost webhook is a fact of its own (applying it refunds, as the webhook
      // would have), and the report must not change kind once the money is back.
      if (order && ours) {
        const record = await deps.records.get(pi.paymentIntentId);
        if (!record || record.state === 'PENDING') {
          report({
            kind: 'missed-payment-outcome',
            orderId: order.orderId,
            paymentIntentId: pi.paymentIntentId,
            detail: `Stripe says succeeded; Stockade's payment record is ${record?.state ?? 'missing'} (order ${order.status})`,
          });
        }
      }
    } else if (pi.status === 'canceled' && order && ours && OPEN_STATUSES.includes(order.status)) {
      const record = await deps.records.get(pi.paymentIntentId);
      if (!record || record.state === 'PENDING') {
        report({
          kind: 'missed-payment-outcome',
          orderId: order.orderId,
          paymentIntentId: pi.paymentIntentId,
          detail: `Stripe says canceled; the order is still ${order.status}`,
        });
      }
    } else if (OPEN_INTENT_STATUSES.includes(pi.status) && !live) {
      // Orphaned means no order wants it. A confirmed order's own open PaymentIntent is confirmed-without-payment
      // (found below), for an operator: cancelling it would only make sure that order is never paid.
      report({
        kind: 'orphaned-payment-intent',
        paymentIntentId: pi.paymentIntentId,
        ...(pi.orderId ? { orderId: pi.orderId } : {}),
        detail: `PaymentIntent for ${money} is ${pi.status}; ${!order ? 'its order does not exist' : !ours ? `order ${order.orderId} uses another PaymentIntent` : `order is ${order.status}`}`,
      });
    }
  }

  const stuckBefore = new Date(runAt.getTime() - options.stuckAfterMinutes * 60_000).toISOString();
  for (const order of orders.values()) {
    if (OPEN_STATUSES.includes(order.status)) {
      if (order.createdAt < stuckBefore) {
        report({
          kind: 'stuck-awaiting-payment',
          orderId: order.orderId,
          ...(order.payment ? { paymentIntentId: order.payment.paymentIntentId } : {}),
          detail: `${order.status} since ${order.createdAt}`,
        });
      }
      continue;
    }
    const payment = order.payment;
    if (PAID_STATUSES.includes(order.status) || (order.status === 'CANCELLED' && payment !== undefined && payment.status !== 'canceled')) {
      const pi = payment ? (intents.get(payment.paymentIntentId) ?? (await summaryOf(deps.payments, payment.paymentIntentId))) : undefined;
      if (PAID_STATUSES.includes(order.status) && (!pi || pi.status !== 'succeeded')) {
        report({
          kind: 'confirmed-without-payment',
          orderId: order.orderId,
          ...(payment ? { paymentIntentId: payment.paymentIntentId } : {}),
          detail: `order is ${order.status}; ${pi ? `its PaymentIntent is ${pi.status}` : payment ? `Stripe has no PaymentIntent ${payment.paymentIntentId}` : 'it has no PaymentIntent'}`,
        });
        continue;
      }
      if (!pi || pi.status !== 'succeeded') continue;
      if (pi.amount !== order.total.amount) {
        report({
          kind: 'amount-mismatch',
          orderId: order.orderId,
          paymentIntentId: pi.paymentIntentId,
          detail: `Stripe took ${pi.amount}; the order total is ${order.total.amount} (${order.total.currency})`,
        });
      }
      if (pi.currency.toLowerCase() !== order.total.currency.toLowerCase()) {
        report({
          kind: 'currency-mismatch',
          orderId: order.orderId,
          paymentIntentId: pi.paymentIntentId,
          detail: `Stripe took ${pi.currency.toUpperCase()}; the order is in ${order.total.currency.toUpperCase()}`,
        });
      }
      const theirs = refunded.get(pi.paymentIntentId) ?? 0;
      const mine = order.refundedAmount ?? 0;
      if (theirs !== mine) {
        report({
          kind: 'refund-drift',
          orderId: order.orderId,
          paymentIntentId: pi.paymentIntentId,
          detail: `Stripe refunded ${theirs}; the order records ${mine} refunded`,
        });
      }
    }
  }

  const discrepancies: Discrepancy[] = [];
  for (const d of found)
    discrepancies.push(await remedy(deps, options.remedies, d, intents.get(d.paymentIntentId ?? ''), ownPayments.get(d.paymentIntentId ?? '')));
  const result: ReconciliationReport = {
    runAt: runAt.toISOString(),
    window: { from: from.toISOString(), to: to.toISOString() },
    checked: intents.size + orders.size,
    // A report is one item: past the cap, the rest are counted (and were remedied, audited and logged all the same).
    discrepancies: discrepancies.slice(0, MAX_LISTED),
    ...(discrepancies.length > MAX_LISTED ? { omitted: discrepancies.length - MAX_LISTED } : {}),
  };
  await deps.reports.save(result);
  await deps.audit.append({
    at: deps.now().toISOString(),
    actor: RECONCILIATION_ACTOR,
    action: 'reconciliation.run',
    target: 'payments',
    outcome: 'succeeded',
    detail: `${result.checked} checked from ${result.window.from} to ${result.window.to}; ${discrepancies.length} discrepancies${discrepancies.length ? ` (${countByKind(discrepancies)})` : ''}`,
  });
  return result;
}

/**
 * The remedy the stage allows for a discrepancy, applied and audited; the discrepancy says what happened. `owner` is
 * the order whose own payment the PaymentIntent is, if any.
 */
async function remedy(
  deps: ReconciliationDeps,
  allowed: readonly RemedyName[],
  d: Discrepancy,
  pi: ProviderPaymentSummary | undefined,
  owner: string | undefined,
): Promise<Discrepancy> {
  const name = REMEDY_FOR[d.kind];
  if (!name || !allowed.includes(name) || !d.paymentIntentId) return d;
  const paymentIntentId = d.paymentIntentId;
  // An order's own PaymentIntent is cancelled or refunded with exactly the request the saga's compensation sends
  // (same idempotency key, same parameters): whichever comes second gets the first one's answer, so the two can
  // never both refund, nor fail each other with an idempotency error. Any other PaymentIntent (no order, or a second
  // one for an order) gets keys of its own: the order's keys stay free for the order's own payment, and its refund
  // names no order whose refund event would credit it to that order.
  const keyOwner = owner ?? `payment-${paymentIntentId}`;
  let detail: string;
  try {
    switch (name) {
      case 'cancel-orphaned-payment-intent': {
        const after = await deps.payments.cancel(paymentIntentId, keyOwner);
        detail = `PaymentIntent is now ${after.status}`;
        break;
      }
      case 'refund-paid-without-order': {
        const refund = await deps.payments.refund(paymentIntentId, keyOwner, owner ? {} : { reason: 'paid without a live order (reconciliation)' });
        detail = `refund ${refund.refundId} ${refund.status}`;
        break;
      }
      case 'apply-missed-payment-outcome': {
        if (!d.orderId || !pi || (pi.status !== 'succeeded' && pi.status !== 'canceled')) return d;
        const effect = await receivePaymentOutcome(
          deps,
          d.orderId,
          { kind: pi.status, paymentIntentId, amount: pi.amount, currency: pi.currency },
          'reconciliation',
        );
        detail = `applied as the webhook would have been: ${effect}`;
        break;
      }
    }
  } catch (error) {
    const reason = error instanceof BusinessRuleError ? error.message : `${(error as Error).name}: ${(error as Error).message}`;
    await auditRemedy(deps, name, d, 'failed', reason);
    return { ...d, remedy: { name, outcome: 'failed', detail: reason } };
  }
  await auditRemedy(deps, name, d, 'succeeded', detail);
  return { ...d, remedy: { name, outcome: 'applied', detail } };
}

const REMEDY_FOR: Partial<Record<Discrepancy['kind'], RemedyName>> = {
  'orphaned-payment-intent': 'cancel-orphaned-payment-intent',
  'paid-without-order': 'refund-paid-without-order',
  'missed-payment-outcome': 'apply-missed-payment-outcome',
};

async function auditRemedy(deps: ReconciliationDeps, name: RemedyName, d: Discrepancy, outcome: 'succeeded' | 'failed', detail: string): Promise<void> {
  await deps.audit.append({
    at: deps.now().toISOString(),
    actor: RECONCILIATION_ACTOR,
    action: `reconciliation.${name}`,
    target: d.orderId ? `order:${d.orderId}` : `payment:${d.paymentIntentId}`,
    outcome,
    detail: `${d.kind} ${d.paymentIntentId ?? ''}: ${detail}`,
  });
}

/** The PaymentIntent as Stripe has it now; undefined when Stripe has none by that id (reported, not a failed run). */
async function summaryOf(payments: PaymentGateway, paymentIntentId: string): Promise<ProviderPaymentSummary | undefined> {
  let pi: Awaited<ReturnType<PaymentGateway['retrieve']>>;
  try {
    pi = await payments.retrieve(paymentIntentId);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  return {
    paymentIntentId,
    status: pi.status,
    amount: pi.amount.amount,
    currency: pi.amount.currency.toLowerCase(),
    created: 0,
    ...(pi.orderId ? { orderId: pi.orderId } : {}),
  };
}

function countByKind(discrepancies: readonly Discrepancy[]): string {
  const counts = new Map<string, number>();
  for (const d of discrepancies) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ');
}
