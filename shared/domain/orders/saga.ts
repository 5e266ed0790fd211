import type { OrderRepository } from '../../ports/order-repository';
import type { OrderEvents } from '../../ports/order-events';
import type { PaymentGateway } from '../../ports/payment-gateway';
import type { PaymentRecords, PaymentReporter, TerminalOutcome } from '../../ports/payment-records';
import type { HeldLine, StockLedger } from '../../ports/stock-ledger';
import type { WaitingSteps } from '../../ports/workflow';
import { ENDED_STATUSES, OPEN_STATUSES, type PaymentOutcome, type StoredOrder } from './order';
import { BusinessRuleError } from '../errors';
import { failureReason, SagaError } from './saga-errors';
import type { Clock } from '../../ports/clock';

/**
 * The order saga's steps (architecture.md). Step Functions runs them in order and retries a step that failed
 * transiently, so every step is safe to run twice: each checks what is already done before doing it.
 */

/** How long stock is held for a checkout unless the stage says otherwise. */
export const DEFAULT_HOLD_SECONDS = 15 * 60;

async function load(orders: OrderRepository, orderId: string): Promise<StoredOrder> {
  const order = await orders.get(orderId);
  if (!order) throw new SagaError('OrderNotFound', `Order ${orderId} does not exist`);
  return order;
}

/** One line per SKU, quantities added up. */
export function heldLines(order: Pick<StoredOrder, 'lines'>): HeldLine[] {
  const bySku = new Map<string, number>();
  for (const line of order.lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * ReserveStock: holds every line's stock in one transaction, until `holdSeconds` from now. Returns how long the
 * hold still runs, which bounds the payment wait.
 */
export async function reserveStock(
  deps: { orders: OrderRepository; stock: StockLedger; now: Clock; holdSeconds: number },
  orderId: string,
): Promise<{ holdExpiresAt: string; holdSeconds: number }> {
  const order = await load(deps.orders, orderId);
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.holdSeconds * 1000).toISOString();
  const result = await deps.stock.reserve(orderId, heldLines(order), expiresAt, now.toISOString());
  switch (result.outcome) {
    case 'reserved':
      return { holdExpiresAt: expiresAt, holdSeconds: deps.holdSeconds };
    case 'already-reserved': {
      const hold = await deps.stock.get(orderId);
      if (!hold || hold.status !== 'ACTIVE') throw new SagaError('InvalidOrderState', `Order ${orderId} has no active stock hold`);
      return { holdExpiresAt: hold.expiresAt, holdSeconds: secondsUntil(hold.expiresAt, now) };
    }
    case 'insufficient':
      throw new SagaError('OutOfStock', `Not enough stock for ${result.skus.join(', ')}`);
    case 'order-not-pending':
      throw new SagaError('InvalidOrderState', `Order ${orderId} is ${order.status}, not PENDING`);
  }
}

/**
 * CreatePaymentIntent: one PaymentIntent per order for its total, recorded as a PENDING payment and attached to the
 * order. A crash after Stripe answered and before our writes loses nothing: the retry sends the same idempotency key,
 * gets the same PaymentIntent back, and writes what the first attempt did not.
 */
export async function createPaymentIntent(
  deps: { orders: OrderRepository; payments: PaymentGateway; records: PaymentRecords; now: Clock },
  orderId: string,
): Promise<{ paymentIntentId: string }> {
  const order = await load(deps.orders, orderId);
  if (order.payment && order.status !== 'RESERVED') return { paymentIntentId: order.payment.paymentIntentId };
  if (order.status !== 'RESERVED') throw new SagaError('InvalidOrderState', `Order ${orderId} is ${order.status}, not RESERVED`);
  const payment = await deps.payments.createPaymentIntent({ orderId, amount: order.total });
  const at = deps.now().toISOString();
  await deps.records.open({ paymentIntentId: payment.paymentIntentId, orderId, amount: order.total, createdAt: at });
  const attached = await deps.orders.attachPayment(
    orderId,
    {
      provider: 'stripe',
      paymentIntentId: payment.paymentIntentId,
      status: payment.status,
      ...(payment.clientSecret ? { clientSecret: payment.clientSecret } : {}),
    },
    at,
  );
  if (!attached) {
    // Cancelled meanwhile: the PaymentIntent must not stay open with nothing pointing at it.
    await voidPayment(deps.payments, payment.paymentIntentId, orderId);
    throw new SagaError('InvalidOrderState', `Order ${orderId} changed while its payment was being created`);
  }
  return { paymentIntentId: payment.paymentIntentId };
}

/**
 * AwaitPayment (a .waitForTaskToken step): stores the task token on the order and shows the customer the client
 * secret. If the provider's outcome arrived first, the wait is answered at once.
 */
export async function awaitPayment(deps: { orders: OrderRepository; waits: WaitingSteps; now: Clock }, orderId: string, taskToken: string): Promise<void> {
  const order = await deps.orders.awaitPayment(orderId, taskToken, deps.now().toISOString());
  if (!order) throw new SagaError('InvalidOrderState', `Order ${orderId} cannot await payment`);
  // The outcome was recorded before the wait began: the confirmation SLO's clock starts now, at the latest moment.
  if (order.paymentOutcome) await settle(deps.waits, order, taskToken, order.paymentOutcome, deps.now().toISOString());
}

/** What reporting a payment outcome did to its order ('resumed': this report's answer is what the waiting saga took). */
export type PaymentOutcomeEffect = 'resumed' | 'recorded' | 'refunded' | 'unknown-order' | 'other-payment';

/**
 * A payment outcome, whoever reports it first: the webhook consumer, a customer polling the order, or
 * reconciliation. The payment record decides it with one conditional write (PaymentRecords.decide); everything after
 * acts on the record's decision, not on the report, so reports arriving late, twice or out of order change nothing and
 * a terminal state never regresses. A decline is not final at Stripe (the customer may pay with another card), and
 * its event may be overtaken by a success: so a reported failure is checked against the PaymentIntent as it is now.
 * The outcome is then recorded on the order once, and the waiting saga resumed or failed. A payment that succeeds for
 * an order that already failed or was cancelled is refunded.
 */
export async function receivePaymentOutcome(
  deps: { orders: OrderRepository; records: PaymentRecords; waits: WaitingSteps; payments: PaymentGateway; now: Clock },
  orderId: string,
  reported: PaymentOutcome,
  by: PaymentReporter = 'webhook',
): Promise<PaymentOutcomeEffect> {
  const at = deps.now().toISOString();
  const before = await deps.orders.get(orderId);
  if (before?.payment && before.payment.paymentIntentId !== reported.paymentIntentId) return 'other-payment';
  let outcome: PaymentOutcome = reported;
  if (reported.kind === 'failed') {
    const current = await deps.payments.retrieve(reported.paymentIntentId);
    if (current.status === 'succeeded' || current.status === 'canceled') {
      outcome = {
        kind: current.status,
        paymentIntentId: current.paymentIntentId,
        amount: current.amount.amount,
        currency: current.amount.currency.toLowerCase(),
      };
    }
  }
  if (isTerminal(outcome)) {
    outcome = (await deps.records.decide(outcome, by, at, before ? orderId : undefined)).record.outcome ?? outcome;
  } else {
    await deps.records.noteFailure(outcome.paymentIntentId, outcome.reason ?? 'declined', at);
  }
  if (!before) return 'unknown-order';
  if (outcome.kind === 'succeeded' && ENDED_STATUSES.includes(before.status)) return refundEnded(deps.payments, outcome.paymentIntentId, orderId);
  const order = await deps.orders.recordPaymentOutcome(orderId, outcome, at);
  // The order ended after it was read above (compensation failed it meanwhile): the money is given back all the same.
  if (outcome.kind === 'succeeded' && order && ENDED_STATUSES.includes(order.status)) return refundEnded(deps.payments, outcome.paymentIntentId, orderId);
  if (order?.status === 'AWAITING_PAYMENT' && order.paymentTaskToken && order.paymentOutcome) {
    // Until compensation or commit moves the order on, it still holds the token an earlier report already answered:
    // Step Functions refuses that answer, and this report only recorded.
    return (await settle(deps.waits, order, order.paymentTaskToken, order.paymentOutcome, at)) ? 'resumed' : 'recorded';
  }
  return 'recorded';
}

const isTerminal = (outcome: PaymentOutcome): outcome is TerminalOutcome => outcome.kind === 'succeeded' || outcome.kind === 'canceled';

/** A payment that succeeded for an order that had ended, refunded in full (the order's own idempotency key). */
async function refundEnded(payments: PaymentGateway, paymentIntentId: string, orderId: string): Promise<'refunded'> {
  try {
    await payments.refund(paymentIntentId, orderId);
  } catch (error) {
    // Refunded in full already (the dashboard, reconciliation): the event must not fail on every retry.
    if (!(error instanceof BusinessRuleError)) throw error;
  }
  return 'refunded';
}

/**
 * Answers the saga's payment wait; false when the wait was already over (answered before, timed out, ended). A
 * success carries `paidAt`, when Stockade learned of it: CommitOrder measures the confirmation SLO from it.
 */
async function settle(waits: WaitingSteps, order: StoredOrder, taskToken: string, outcome: PaymentOutcome, paidAt: string): Promise<boolean> {
  if (outcome.kind === 'succeeded') {
    if (outcome.amount !== order.total.amount || outcome.currency.toLowerCase() !== order.total.currency.toLowerCase()) {
      return waits.fail(taskToken, 'PaymentMismatch', `Paid ${outcome.amount} ${outcome.currency}; the order is ${order.total.amount} ${order.total.currency}`);
    }
    return waits.succeed(taskToken, { paymentIntentId: outcome.paymentIntentId, status: 'succeeded', paidAt });
  }
  if (outcome.kind === 'failed') {
    return waits.fail(
      taskToken,
      'PaymentDeclined',
      JSON.stringify({ errorType: 'PaymentDeclined', errorMessage: `The payment was declined${outcome.reason ? ` (${outcome.reason})` : ''}` }),
    );
  }
  return waits.fail(taskToken, 'PaymentCanceled', 'The PaymentIntent was canceled');
}

/** CommitOrder: the hold becomes a sale and the order CONFIRMED, in one transaction. */
export async function commitOrder(deps: { stock: StockLedger; now: Clock }, orderId: string): Promise<{ status: 'CONFIRMED' }> {
  const result = await deps.stock.commit(orderId, deps.now().toISOString());
  if (result === 'not-held') throw new SagaError('HoldExpired', `Order ${orderId} has no active stock hold to commit`);
  return { status: 'CONFIRMED' };
}

/** PublishOrderConfirmed: tells fulfilment (at least once; the consumer is idempotent). */
export async function publishOrderConfirmed(deps: { events: OrderEvents }, orderId: string): Promise<void> {
  await deps.events.orderConfirmed(orderId);
}

/** ReleaseStock (compensation): gives back whatever the order still holds. */
export async function releaseStock(deps: { stock: StockLedger; now: Clock }, orderId: string): Promise<{ released: boolean }> {
  return { released: (await deps.stock.release(orderId, deps.now().toISOString())) === 'released' };
}

/**
 * CancelOrRefundPayment (compensation): a PaymentIntent that can still be canceled is canceled; one that took the
 * money is refunded. A confirmed order keeps its payment: compensation never undoes a sale.
 */
export async function cancelOrRefundPayment(deps: { orders: OrderRepository; payments: PaymentGateway }, orderId: string): Promise<{ paymentStatus?: string }> {
  const order = await deps.orders.get(orderId);
  if (!order?.payment) return {};
  if (!OPEN_STATUSES.includes(order.status) && order.status !== 'FAILED' && order.status !== 'CANCELLED') return { paymentStatus: order.payment.status };
  return { paymentStatus: await voidPayment(deps.payments, order.payment.paymentIntentId, orderId) };
}

/**
 * Takes back a payment: cancels a PaymentIntent that has not taken money, refunds one that has (also when it
 * succeeded while being cancelled). Idempotent per order (Stripe idempotency keys from the order id).
 */
export async function voidPayment(payments: PaymentGateway, paymentIntentId: string, orderId: string): Promise<string> {
  let current = await payments.retrieve(paymentIntentId);
  if (current.status === 'canceled') return 'canceled';
  if (current.status !== 'succeeded') current = await payments.cancel(paymentIntentId, orderId);
  if (current.status !== 'succeeded') return current.status;
  try {
    const refund = await payments.refund(paymentIntentId, orderId);
    return refund.status === 'failed' ? 'refund_failed' : 'refunded';
  } catch (error) {
    // Refused because nothing is left to refund: someone (an admin, the dashboard) refunded it in full already.
    if (error instanceof BusinessRuleError) return 'refunded';
    throw error;
  }
}

/** MarkOrderFailed (compensation): the order ends FAILED with a reason the customer may read. */
export async function markOrderFailed(
  deps: { orders: OrderRepository; now: Clock },
  orderId: string,
  error: { Error?: string; Cause?: string } | undefined,
  paymentStatus?: string,
): Promise<{ status: string; failureReason?: string }> {
  const reason = failureReason(error);
  const order = await deps.orders.transition(orderId, {
    from: OPEN_STATUSES,
    to: 'FAILED',
    at: deps.now().toISOString(),
    failureReason: reason,
    ...(paymentStatus ? { paymentStatus } : {}),
  });
  if (order) return { status: order.status, failureReason: reason };
  const current = await deps.orders.get(orderId);
  return { status: current?.status ?? 'UNKNOWN', ...(current?.failureReason ? { failureReason: current.failureReason } : {}) };
}

/**
 * The hold sweeper: holds past their expiry (plus a grace period, so a live saga's own timeout acts first) are
 * released even if the execution that took them died; their open orders are compensated like a failed saga. The
 * active hold is the only index that finds such an order again, so each order's payment is voided and the order
 * failed before its hold is released: a run stopped in between (a provider error, the function's timeout) leaves
 * the hold for the next run, never an open order that nothing will compensate.
 */
export async function sweepExpiredHolds(
  deps: { stock: StockLedger; orders: OrderRepository; payments: PaymentGateway; now: Clock },
  options: { graceSeconds: number; limit: number },
): Promise<{ released: number; failedOrders: number }> {
  const cutoff = new Date(deps.now().getTime() - options.graceSeconds * 1000);
  let released = 0;
  let failedOrders = 0;
  for (const hold of await deps.stock.expiredHolds(cutoff, options.limit)) {
    const order = await deps.orders.get(hold.orderId);
    if (order && OPEN_STATUSES.includes(order.status)) {
      const { paymentStatus } = await cancelOrRefundPayment(deps, hold.orderId);
      const result = await markOrderFailed(deps, hold.orderId, { Error: 'HoldExpired' }, paymentStatus);
      if (result.status === 'FAILED') failedOrders += 1;
    }
    if ((await releaseStock(deps, hold.orderId)).released) released += 1;
  }
  return { released, failedOrders };
}

function secondsUntil(iso: string, now: Date): number {
  return Math.max(1, Math.floor((Date.parse(iso) - now.getTime()) / 1000));
}
