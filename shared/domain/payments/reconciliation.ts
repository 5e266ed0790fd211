import type { AuditLog } from '../../ports/audit-log';
import type { Clock } from '../../ports/clock';
import type { OrderRepository } from '../../ports/order-repository';
import type { PaymentGateway } from '../../ports/payment-gateway';
import type { PaymentHistory, ProviderPaymentSummary } from '../../ports/payment-history';
import type { PaymentRecord, PaymentRecordLookup, PaymentRecords } from '../../ports/payment-records';
import type { Discrepancy, ReconciliationReport, ReconciliationReports, RemedyName } from '../../ports/reconciliation-reports';
import type { WaitingSteps } from '../../ports/workflow';
import { BusinessRuleError, NotFoundError } from '../errors';
import { ENDED_STATUSES, OPEN_STATUSES, ORDER_STATUSES, type OrderStatus, type StoredOrder } from '../orders/order';
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
  /**
   * The window is compared a slice of creation time at a time, so a run holds one slice's PaymentIntents and orders,
   * never the whole window's. @default 60
   */
  readonly sliceMinutes?: number;
}

export interface ReconciliationDeps {
  readonly history: PaymentHistory;
  readonly payments: PaymentGateway;
  readonly orders: OrderRepository;
  readonly records: PaymentRecords;
  /** The slice's payment records in one read. */
  readonly recordLookup: PaymentRecordLookup;
  readonly waits: WaitingSteps;
  readonly reports: ReconciliationReports;
  readonly audit: AuditLog;
  readonly now: Clock;
}

/** Discrepancies listed in one report; a DynamoDB item holds at most 400 KB. */
const MAX_LISTED = 500;

/** The actor reconciliation's audit events carry. */
export const RECONCILIATION_ACTOR = 'system:reconciliation';

/** Orders whose money Stockade has taken (and may since have refunded). */
const PAID_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'FULFILLED', 'REFUNDED'];
/** PaymentIntent statuses in which no money has moved and the PaymentIntent can still be cancelled. */
const OPEN_INTENT_STATUSES = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture'];

/**
 * Compares Stripe's record with Stockade's over a window and reports what differs: money taken for no live order,
 * orders confirmed without a payment, amounts or currencies that disagree, refunds that drifted, orders stuck before
 * payment, payments Stripe finished whose webhook never arrived, and PaymentIntents left open for no order. Where the
 * stage allows, the safe remedy is applied through the same paths the saga uses (the payment record's one
 * finalizer, idempotency keys from our ids), and each remedy is audited. The report is saved and returned.
 *
 * The window is read slice by slice (`sliceMinutes` of creation time): each slice's PaymentIntents and orders are
 * compared, its discrepancies remedied, and then dropped, so memory follows the busiest slice, not the window. An order
 * and its PaymentIntent created on either side of a slice's edge still meet: each side reads the other from its store
 * when it is not in the slice (as for one older than the window), and a discrepancy found twice is reported once.
 * Only the refunds of the window are held whole (they are few beside orders).
 */
export async function reconcilePayments(deps: ReconciliationDeps, options: ReconciliationOptions): Promise<ReconciliationReport> {
  const runAt = deps.now();
  const window = windowOf(runAt, options);
  // Refunds up to now: a refund of a PaymentIntent in the window may be younger than the window's end.
  const refunded = await refundedSince(deps.history, window.from, runAt);
  const stuckBefore = new Date(runAt.getTime() - options.stuckAfterMinutes * 60_000).toISOString();
  const found = new Findings();
  const tally = new Tally();
  for (const slice of slicesOf(window, options.sliceMinutes ?? DEFAULT_SLICE_MINUTES)) {
    const books: Books = { intents: await paymentIntentsIn(deps.history, slice), refunded, orders: await ordersIn(deps.orders, slice) };
    tally.checked += books.intents.size + books.orders.size;
    const ownPayments = await compareIntents(deps, books, found);
    await compareOrders(deps, books, stuckBefore, found);
    const standing = await recheck(deps, found.drain(), stuckBefore);
    for (const d of await applyRemedies(deps, options.remedies, standing, books.intents, ownPayments)) tally.add(d);
  }
  return saveReport(deps, runAt, window, tally);
}

const DEFAULT_SLICE_MINUTES = 60;

/** The span of creation times compared. */
interface Window {
  readonly from: Date;
  readonly to: Date;
}

/** Stripe's and Stockade's records of a slice of the window, side by side. */
interface Books {
  /** Stripe's PaymentIntents, by id. */
  readonly intents: ReadonlyMap<string, ProviderPaymentSummary>;
  /** The amount Stripe refunded (succeeded refunds), by PaymentIntent id. */
  readonly refunded: ReadonlyMap<string, number>;
  /** Stockade's orders of every status, by id. */
  readonly orders: ReadonlyMap<string, StoredOrder>;
}

/** The discrepancies found since the last drain, each kind of an order or PaymentIntent once in the whole run. */
class Findings {
  private list: Discrepancy[] = [];
  private readonly seen = new Set<string>();

  add(d: Discrepancy | undefined): void {
    if (!d) return;
    const key = `${d.kind}|${d.orderId ?? ''}|${d.paymentIntentId ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(d);
  }

  /** The discrepancies found since the last drain, in the order found. */
  drain(): Discrepancy[] {
    const drained = this.list;
    this.list = [];
    return drained;
  }
}

/** What the report says: the records checked, the first MAX_LISTED discrepancies and a count of each kind. */
class Tally {
  checked = 0;
  total = 0;
  readonly listed: Discrepancy[] = [];
  readonly byKind = new Map<string, number>();

  add(d: Discrepancy): void {
    this.total++;
    if (this.listed.length < MAX_LISTED) this.listed.push(d);
    this.byKind.set(d.kind, (this.byKind.get(d.kind) ?? 0) + 1);
  }
}

/**
 * Consecutive, non-overlapping slices of `minutes` covering the window, oldest first. Every slice but the first
 * starts on a whole second, so the whole-second `created` ranges Stripe's lists take do not overlap either.
 */
export function slicesOf(window: Window, minutes: number): Window[] {
  const step = Math.max(1, Math.round(minutes * 60)) * 1000;
  const end = window.to.getTime();
  const slices: Window[] = [];
  let from = window.from.getTime();
  while (from <= end) {
    // Creation times are compared inclusively at both ends, so a slice ends a millisecond before the next begins.
    const next = Math.floor(from / 1000) * 1000 + step;
    slices.push({ from: new Date(from), to: new Date(Math.min(next - 1, end)) });
    from = next;
  }
  return slices;
}

/** From `windowHours` before the run to `settleSeconds` before it. */
function windowOf(runAt: Date, options: ReconciliationOptions): Window {
  return { from: new Date(runAt.getTime() - options.windowHours * 3_600_000), to: new Date(runAt.getTime() - options.settleSeconds * 1000) };
}

async function paymentIntentsIn(history: PaymentHistory, window: Window): Promise<Map<string, ProviderPaymentSummary>> {
  const intents = new Map<string, ProviderPaymentSummary>();
  for await (const pi of history.paymentIntents(window.from, window.to)) intents.set(pi.paymentIntentId, pi);
  return intents;
}

/** The amount of succeeded refunds created in [from, to], by PaymentIntent id. */
async function refundedSince(history: PaymentHistory, from: Date, to: Date): Promise<Map<string, number>> {
  const refunded = new Map<string, number>();
  for await (const refund of history.refunds(from, to)) {
    if (refund.status === 'succeeded' && refund.paymentIntentId)
      refunded.set(refund.paymentIntentId, (refunded.get(refund.paymentIntentId) ?? 0) + refund.amount);
  }
  return refunded;
}

async function ordersIn(orders: OrderRepository, window: Window): Promise<Map<string, StoredOrder>> {
  const found = new Map<string, StoredOrder>();
  for (const status of ORDER_STATUSES) {
    for await (const order of orders.listByStatusCreated(status, window.from.toISOString(), window.to.toISOString())) found.set(order.orderId, order);
  }
  return found;
}

/**
 * Each of Stripe's PaymentIntents against the order it names (read from the table when it is older than the window),
 * and the payment records of the finished ones, read in one lookup for the slice. Returns the PaymentIntents that are
 * their order's own payment, by id: the order's id.
 */
async function compareIntents(deps: ReconciliationDeps, books: Books, found: Findings): Promise<Map<string, string>> {
  const ownPayments = new Map<string, string>();
  const finished = [...books.intents.values()].filter((pi) => pi.status === 'succeeded' || pi.status === 'canceled').map((pi) => pi.paymentIntentId);
  const records = finished.length > 0 ? await deps.recordLookup.getMany(finished) : new Map<string, PaymentRecord>();
  for (const pi of books.intents.values()) {
    const order = pi.orderId ? (books.orders.get(pi.orderId) ?? (await deps.orders.get(pi.orderId))) : undefined;
    const ours = order?.payment?.paymentIntentId === pi.paymentIntentId;
    if (order && ours) ownPayments.set(pi.paymentIntentId, order.orderId);
    for (const d of classifyIntent(pi, order, ours, books.refunded.get(pi.paymentIntentId) ?? 0, records.get(pi.paymentIntentId))) found.add(d);
  }
  return ownPayments;
}

/**
 * What is wrong with one PaymentIntent, given the order it names (if that order exists), whether it is that order's own
 * payment, what Stripe refunded of it, and its payment record (if any).
 */
function classifyIntent(
  pi: ProviderPaymentSummary,
  order: StoredOrder | undefined,
  ours: boolean,
  refunded: number,
  record: PaymentRecord | undefined,
): Array<Discrepancy | undefined> {
  // The PaymentIntent of an order that still wants it (the order's own, and the order not failed or cancelled).
  const live = order !== undefined && ours && !ENDED_STATUSES.includes(order.status);
  if (pi.status === 'succeeded') {
    return [
      live || refunded >= pi.amount ? undefined : paidWithoutOrder(pi, order, ours, refunded),
      // Also for an order that failed: the lost webhook is a fact of its own (applying it refunds, as the webhook
      // would have), and the report must not change kind once the money is back.
      order && ours
        ? missedOutcome(pi, order, record, (state) => `Stripe says succeeded; Stockade's payment record is ${state} (order ${order.status})`)
        : undefined,
    ];
  }
  if (pi.status === 'canceled') {
    if (!order || !ours || !OPEN_STATUSES.includes(order.status)) return [];
    return [missedOutcome(pi, order, record, () => `Stripe says canceled; the order is still ${order.status}`)];
  }
  // Orphaned means no order wants it. A confirmed order's own open PaymentIntent is confirmed-without-payment
  // (found with the orders), for an operator: cancelling it would only make sure that order is never paid.
  return OPEN_INTENT_STATUSES.includes(pi.status) && !live ? [orphanedIntent(pi, order, ours)] : [];
}

const moneyOf = (pi: ProviderPaymentSummary) => `${pi.amount} ${pi.currency}`;

function paidWithoutOrder(pi: ProviderPaymentSummary, order: StoredOrder | undefined, ours: boolean, refunded: number): Discrepancy {
  const money = moneyOf(pi);
  return {
    kind: 'paid-without-order',
    paymentIntentId: pi.paymentIntentId,
    ...(pi.orderId ? { orderId: pi.orderId } : {}),
    detail: !order
      ? `${money} taken; ${pi.orderId ? `order ${pi.orderId} does not exist` : 'no order in its metadata'}`
      : !ours
        ? `${money} taken; order ${order.orderId} is paid by another PaymentIntent`
        : `${money} taken; order is ${order.status}, ${refunded} refunded`,
  };
}

/** A final outcome Stripe has for the order's own PaymentIntent that its payment record never received. */
function missedOutcome(
  pi: ProviderPaymentSummary,
  order: StoredOrder,
  record: PaymentRecord | undefined,
  detail: (recordState: string) => string,
): Discrepancy | undefined {
  if (record && record.state !== 'PENDING') return undefined;
  return { kind: 'missed-payment-outcome', orderId: order.orderId, paymentIntentId: pi.paymentIntentId, detail: detail(record?.state ?? 'missing') };
}

function orphanedIntent(pi: ProviderPaymentSummary, order: StoredOrder | undefined, ours: boolean): Discrepancy {
  return {
    kind: 'orphaned-payment-intent',
    paymentIntentId: pi.paymentIntentId,
    ...(pi.orderId ? { orderId: pi.orderId } : {}),
    detail: `PaymentIntent for ${moneyOf(pi)} is ${pi.status}; ${!order ? 'its order does not exist' : !ours ? `order ${order.orderId} uses another PaymentIntent` : `order is ${order.status}`}`,
  };
}

/** Each of Stockade's orders against Stripe: stuck before payment, or paid otherwise than Stripe says. */
async function compareOrders(deps: ReconciliationDeps, books: Books, stuckBefore: string, found: Findings): Promise<void> {
  for (const order of books.orders.values()) {
    if (OPEN_STATUSES.includes(order.status)) found.add(stuckAwaitingPayment(order, stuckBefore));
    else if (chargedFor(order)) for (const d of await comparePayment(deps, order, books)) found.add(d);
  }
}

function stuckAwaitingPayment(order: StoredOrder, stuckBefore: string): Discrepancy | undefined {
  if (order.createdAt >= stuckBefore) return undefined;
  return {
    kind: 'stuck-awaiting-payment',
    orderId: order.orderId,
    ...(order.payment ? { paymentIntentId: order.payment.paymentIntentId } : {}),
    detail: `${order.status} since ${order.createdAt}`,
  };
}

/** An order whose money Stockade took, or a cancelled one whose PaymentIntent was not cancelled (it may have been paid). */
function chargedFor(order: StoredOrder): boolean {
  const payment = order.payment;
  return PAID_STATUSES.includes(order.status) || (order.status === 'CANCELLED' && payment !== undefined && payment.status !== 'canceled');
}

/** The order's payment as Stripe has it (from the window, or asked for): missing, or differing in amount, currency or refunds. */
async function comparePayment(deps: ReconciliationDeps, order: StoredOrder, books: Books): Promise<Array<Discrepancy | undefined>> {
  const payment = order.payment;
  const pi = payment ? (books.intents.get(payment.paymentIntentId) ?? (await summaryOf(deps.payments, payment.paymentIntentId))) : undefined;
  if (PAID_STATUSES.includes(order.status) && (!pi || pi.status !== 'succeeded')) {
    return [
      {
        kind: 'confirmed-without-payment',
        orderId: order.orderId,
        ...(payment ? { paymentIntentId: payment.paymentIntentId } : {}),
        detail: `order is ${order.status}; ${pi ? `its PaymentIntent is ${pi.status}` : payment ? `Stripe has no PaymentIntent ${payment.paymentIntentId}` : 'it has no PaymentIntent'}`,
      },
    ];
  }
  if (!pi || pi.status !== 'succeeded') return [];
  const theirs = books.refunded.get(pi.paymentIntentId) ?? 0;
  const mine = order.refundedAmount ?? 0;
  const of = { orderId: order.orderId, paymentIntentId: pi.paymentIntentId };
  return [
    pi.amount === order.total.amount
      ? undefined
      : { kind: 'amount-mismatch', ...of, detail: `Stripe took ${pi.amount}; the order total is ${order.total.amount} (${order.total.currency})` },
    pi.currency.toLowerCase() === order.total.currency.toLowerCase()
      ? undefined
      : { kind: 'currency-mismatch', ...of, detail: `Stripe took ${pi.currency.toUpperCase()}; the order is in ${order.total.currency.toUpperCase()}` },
    theirs === mine ? undefined : { kind: 'refund-drift', ...of, detail: `Stripe refunded ${theirs}; the order records ${mine} refunded` },
  ];
}

/**
 * The findings that still hold when read again. A slice's books are read one after another (Stripe's PaymentIntents,
 * then the orders, then the payment records, against refunds listed when the run began), and on a live shop an order
 * paid, failed or refunded in between looks like a discrepancy it is not: a PaymentIntent listed unpaid beside its
 * order read CONFIRMED, one listed open beside its order read FAILED, a refund made after the listing. Each finding
 * is classified again from its PaymentIntent, order, refunds and payment record as they are now (a discrepancy is
 * rare, so the extra reads are few), and reported, with what is found now, only if it is still of the same kind.
 */
async function recheck(deps: ReconciliationDeps, found: readonly Discrepancy[], stuckBefore: string): Promise<Discrepancy[]> {
  const standing: Discrepancy[] = [];
  for (const d of found) {
    const again = (await classifyNow(deps, d, stuckBefore)).find((a) => a?.kind === d.kind);
    if (again) standing.push(again);
  }
  return standing;
}

/** What is wrong now with the PaymentIntent or order a finding is about, by the same rules as the slice's comparison. */
async function classifyNow(deps: ReconciliationDeps, d: Discrepancy, stuckBefore: string): Promise<Array<Discrepancy | undefined>> {
  const pi = d.paymentIntentId ? await summaryOf(deps.payments, d.paymentIntentId) : undefined;
  const orderId = d.orderId ?? pi?.orderId;
  const order = orderId ? await deps.orders.get(orderId) : undefined;
  const refunded = pi ? await refundedOf(deps.payments, pi.paymentIntentId) : 0;
  switch (d.kind) {
    case 'paid-without-order':
    case 'missed-payment-outcome':
    case 'orphaned-payment-intent': {
      if (!pi) return [d];
      const finished = pi.status === 'succeeded' || pi.status === 'canceled';
      const record = finished ? (await deps.recordLookup.getMany([pi.paymentIntentId])).get(pi.paymentIntentId) : undefined;
      return classifyIntent(pi, order, order?.payment?.paymentIntentId === pi.paymentIntentId, refunded, record);
    }
    case 'stuck-awaiting-payment':
      return order && OPEN_STATUSES.includes(order.status) ? [stuckAwaitingPayment(order, stuckBefore)] : [];
    default: {
      if (!order || !chargedFor(order)) return [];
      const own = pi && order.payment?.paymentIntentId === pi.paymentIntentId ? pi : undefined;
      const books: Books = {
        intents: new Map(own ? [[own.paymentIntentId, own]] : []),
        refunded: new Map(own ? [[own.paymentIntentId, refunded]] : []),
        orders: new Map(),
      };
      return comparePayment(deps, order, books);
    }
  }
}

/** What Stripe has refunded of a PaymentIntent (succeeded refunds), as it is now. */
async function refundedOf(payments: PaymentGateway, paymentIntentId: string): Promise<number> {
  return (await payments.refundsOf(paymentIntentId)).filter((r) => r.status === 'succeeded').reduce((sum, r) => sum + r.amount, 0);
}

/** Each discrepancy with the remedy the stage allows applied, one after another. */
async function applyRemedies(
  deps: ReconciliationDeps,
  allowed: readonly RemedyName[],
  found: readonly Discrepancy[],
  intents: Books['intents'],
  ownPayments: ReadonlyMap<string, string>,
): Promise<Discrepancy[]> {
  const discrepancies: Discrepancy[] = [];
  for (const d of found) discrepancies.push(await remedy(deps, allowed, d, intents.get(d.paymentIntentId ?? ''), ownPayments.get(d.paymentIntentId ?? '')));
  return discrepancies;
}

/** The run's report, saved and audited. */
async function saveReport(deps: ReconciliationDeps, runAt: Date, window: Window, tally: Tally): Promise<ReconciliationReport> {
  const result: ReconciliationReport = {
    runAt: runAt.toISOString(),
    window: { from: window.from.toISOString(), to: window.to.toISOString() },
    checked: tally.checked,
    // A report is one item: past the cap, the rest are counted (and were remedied, audited and logged all the same).
    discrepancies: tally.listed,
    ...(tally.total > MAX_LISTED ? { omitted: tally.total - MAX_LISTED } : {}),
  };
  await deps.reports.save(result);
  await deps.audit.append({
    at: deps.now().toISOString(),
    actor: RECONCILIATION_ACTOR,
    action: 'reconciliation.run',
    target: 'payments',
    outcome: 'succeeded',
    detail: `${result.checked} checked from ${result.window.from} to ${result.window.to}; ${tally.total} discrepancies${tally.total ? ` (${countByKind(tally.byKind)})` : ''}`,
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

function countByKind(counts: ReadonlyMap<string, number>): string {
  return [...counts].map(([k, n]) => `${k}: ${n}`).join(', ');
}
