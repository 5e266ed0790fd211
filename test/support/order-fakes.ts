import type { Money } from '../../shared/domain/model/money';
import type { AuditEvent, AuditLog } from '../../shared/ports/audit-log';
import type { ListPosition, PositionedPage } from '../../shared/ports/cursor-codec';
import type { OrderPayment, PaymentOutcome, StoredOrder } from '../../shared/domain/orders/order';
import type { CheckoutKey, CreateOnceResult, OrderRepository, OrderTransition } from '../../shared/ports/order-repository';
import type { PaymentGateway, ProviderPayment } from '../../shared/ports/payment-gateway';
import type { PaymentHistory, ProviderPaymentSummary, ProviderRefundSummary } from '../../shared/ports/payment-history';
import type { PaymentRecord, PaymentRecordLookup, PaymentRecords, PaymentReporter, TerminalOutcome } from '../../shared/ports/payment-records';
import type { ReconciliationReport, ReconciliationReports } from '../../shared/ports/reconciliation-reports';
import type { HeldLine, ReserveResult, StockHold, StockLedger } from '../../shared/ports/stock-ledger';
import type { WaitingSteps } from '../../shared/ports/workflow';
import type { StoredVendorOrder } from '../../shared/domain/model/order';
import type { VendorOrderRepository } from '../../shared/ports/vendor-order-repository';
import { NotFoundError } from '../../shared/domain/errors';
import type { AddressBook } from '../../shared/ports/address-book';
import type { ShippingAddress } from '../../shared/domain/model/shipping';
import type { ShippingRates } from '../../shared/domain/orders/shipping';

/**
 * The vendor views of a FakeOrders' orders, as checkout writes them: each vendor's lines of each order, newest first
 * by `<createdAt>#<orderId>` like the byVendor index; the position is the last key read.
 */
export class FakeVendorOrders implements VendorOrderRepository {
  constructor(private readonly orders: FakeOrders) {}

  async listByVendor(vendorId: string, query: { limit: number; after?: ListPosition }): Promise<PositionedPage<StoredVendorOrder>> {
    const key = (o: StoredOrder) => `${o.createdAt}#${o.orderId}`;
    const matching = [...this.orders.orders.values()]
      .filter((o) => o.lines.some((l) => l.vendorId === vendorId))
      .filter((o) => !query.after || key(o) < (query.after.key as string))
      .sort((a, b) => key(b).localeCompare(key(a)));
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    const items = page.map((o) => ({
      orderId: o.orderId,
      vendorId,
      status: o.status,
      lines: o.lines.filter((l) => l.vendorId === vendorId),
      ...(o.shipping ? { shipping: { address: o.shipping.address, option: o.shipping.option } } : {}),
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
    }));
    return { items, ...(matching.length > query.limit && last ? { next: { key: key(last) } } : {}) };
  }
}

/** In-memory orders for domain unit tests (the DynamoDB adapter is tested against DynamoDB Local). */
export class FakeOrders implements OrderRepository {
  readonly orders = new Map<string, StoredOrder>();
  readonly keys = new Map<string, { orderId: string; requestHash: string }>();

  async *listByStatusCreated(status: StoredOrder['status'], from: string, to: string): AsyncIterable<StoredOrder> {
    const matching = [...this.orders.values()].filter((o) => o.status === status && o.createdAt >= from && o.createdAt <= to);
    yield* matching.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Newest first by `<createdAt>#<orderId>`, like the byStatus index; the position is the last key read. */
  async listByStatus(
    status: StoredOrder['status'],
    query: { from: string; to: string; limit: number; after?: ListPosition },
  ): Promise<PositionedPage<StoredOrder>> {
    const key = (o: StoredOrder) => `${o.createdAt}#${o.orderId}`;
    const matching = [...this.orders.values()]
      .filter((o) => o.status === status && o.createdAt >= query.from && o.createdAt <= query.to)
      .filter((o) => !query.after || key(o) < (query.after.key as string))
      .sort((a, b) => key(b).localeCompare(key(a)));
    const items = matching.slice(0, query.limit);
    const last = items.at(-1);
    return { items, ...(matching.length > query.limit && last ? { next: { key: key(last) } } : {}) };
  }

  async createOnce(order: StoredOrder, key: CheckoutKey): Promise<CreateOnceResult> {
    const id = `${order.customerId}#${key.idempotencyKey}`;
    const existing = this.keys.get(id);
    if (existing) return { created: false, ...existing };
    this.keys.set(id, { orderId: order.orderId, requestHash: key.requestHash });
    this.orders.set(order.orderId, order);
    return { created: true };
  }
  async get(orderId: string) {
    return this.orders.get(orderId);
  }
  async listByCustomer(customerId: string, query: { limit: number }) {
    return { items: [...this.orders.values()].filter((o) => o.customerId === customerId).slice(0, query.limit) };
  }
  async transition(orderId: string, change: OrderTransition) {
    const order = this.orders.get(orderId);
    if (!order || !change.from.includes(order.status) || (change.unclaimed && order.fulfilmentClaimedAt)) return undefined;
    const next: StoredOrder = {
      ...order,
      status: change.to,
      updatedAt: change.at,
      ...(change.failureReason ? { failureReason: change.failureReason } : {}),
      ...(change.fulfilmentReference ? { fulfilmentReference: change.fulfilmentReference } : {}),
      ...(order.payment && change.paymentStatus ? { payment: { ...order.payment, status: change.paymentStatus } } : {}),
    };
    this.orders.set(orderId, next);
    return next;
  }
  async claimFulfilment(orderId: string, at: string) {
    const order = this.orders.get(orderId);
    if (order?.status !== 'CONFIRMED') return undefined;
    const claimed = { ...order, fulfilmentClaimedAt: at };
    this.orders.set(orderId, claimed);
    return claimed;
  }
  async attachPayment(orderId: string, payment: OrderPayment, at: string) {
    const order = this.orders.get(orderId);
    if (order?.status !== 'RESERVED') return undefined;
    const next = { ...order, payment, updatedAt: at };
    this.orders.set(orderId, next);
    return next;
  }
  async awaitPayment(orderId: string, taskToken: string, at: string) {
    const order = this.orders.get(orderId);
    if (!order || !['RESERVED', 'AWAITING_PAYMENT'].includes(order.status) || !order.payment) return undefined;
    const next: StoredOrder = { ...order, status: 'AWAITING_PAYMENT', paymentTaskToken: taskToken, updatedAt: at };
    this.orders.set(orderId, next);
    return next;
  }
  readonly refundIds = new Set<string>();
  async recordRefund(orderId: string, refund: { refundId: string; amount: number; paymentStatus: string }, at: string) {
    const order = this.orders.get(orderId);
    if (!order || this.refundIds.has(refund.refundId)) return order;
    this.refundIds.add(refund.refundId);
    const next: StoredOrder = {
      ...order,
      refundedAmount: (order.refundedAmount ?? 0) + refund.amount,
      updatedAt: at,
      ...(order.payment ? { payment: { ...order.payment, status: refund.paymentStatus } } : {}),
    };
    this.orders.set(orderId, next);
    return next;
  }
  async recordPaymentOutcome(orderId: string, outcome: PaymentOutcome, at: string) {
    const order = this.orders.get(orderId);
    if (!order) return undefined;
    if (order.paymentOutcome) return order;
    const next = { ...order, paymentOutcome: outcome, updatedAt: at };
    this.orders.set(orderId, next);
    return next;
  }
}

/** A payment provider that records what it was asked. */
export class FakePayments implements PaymentGateway {
  readonly intents = new Map<string, ProviderPayment & { orderId: string }>();
  readonly calls: string[] = [];

  async createPaymentIntent(request: { orderId: string; amount: { amount: number; currency: string } }) {
    this.calls.push(`create:${request.orderId}`);
    const existing = [...this.intents.values()].find((i) => i.orderId === request.orderId);
    if (existing) return existing;
    const intent = {
      paymentIntentId: `pi_${this.intents.size + 1}`,
      status: 'requires_payment_method',
      amount: request.amount,
      clientSecret: 'secret',
      orderId: request.orderId,
    };
    this.intents.set(intent.paymentIntentId, intent);
    return intent;
  }
  async retrieve(paymentIntentId: string) {
    const intent = this.intents.get(paymentIntentId);
    // As the Stripe gateway does for resource_missing.
    if (!intent) throw new NotFoundError(`Stripe has no PaymentIntent ${paymentIntentId}`);
    return intent;
  }
  async cancel(paymentIntentId: string) {
    this.calls.push(`cancel:${paymentIntentId}`);
    const intent = this.intents.get(paymentIntentId) as ProviderPayment & { orderId: string };
    const next = { ...intent, status: 'canceled' };
    this.intents.set(paymentIntentId, next);
    return next;
  }
  readonly refundKeys = new Map<string, { refundId: string; status: string; amount: number }>();
  readonly refundsByIntent = new Map<string, Array<{ refundId: string; status: string; amount: number }>>();
  async refundsOf(paymentIntentId: string) {
    return [...(this.refundsByIntent.get(paymentIntentId) ?? [])];
  }
  async refund(paymentIntentId: string, orderId: string, options: { amount?: number; idempotencyKey?: string } = {}) {
    const key = options.idempotencyKey ?? `order-${orderId}-refund`;
    const existing = this.refundKeys.get(key);
    if (existing) return existing;
    this.calls.push(`refund:${paymentIntentId}`);
    const refund = {
      refundId: `re_${this.refundKeys.size + 1}`,
      status: 'succeeded',
      amount: options.amount ?? this.intents.get(paymentIntentId)?.amount.amount ?? 0,
    };
    this.refundKeys.set(key, refund);
    this.refundsByIntent.set(paymentIntentId, [...(this.refundsByIntent.get(paymentIntentId) ?? []), refund]);
    return refund;
  }
  /** The customer paid (what a confirmation with pm_card_visa does). */
  succeed(paymentIntentId: string): void {
    const intent = this.intents.get(paymentIntentId) as ProviderPayment & { orderId: string };
    this.intents.set(paymentIntentId, { ...intent, status: 'succeeded' });
  }
}

/** Payment records in memory, with the same first-decision-wins rule as the DynamoDB adapter's conditional write. */
export class FakePaymentRecords implements PaymentRecords, PaymentRecordLookup {
  readonly records = new Map<string, PaymentRecord>();

  async getMany(paymentIntentIds: readonly string[]) {
    return new Map(paymentIntentIds.flatMap((id) => (this.records.has(id) ? [[id, this.records.get(id) as PaymentRecord] as const] : [])));
  }

  async open(record: { paymentIntentId: string; orderId: string; amount: { amount: number; currency: string }; createdAt: string }) {
    if (!this.records.has(record.paymentIntentId)) this.records.set(record.paymentIntentId, { ...record, state: 'PENDING' });
  }
  async get(paymentIntentId: string) {
    return this.records.get(paymentIntentId);
  }
  async decide(outcome: TerminalOutcome, by: PaymentReporter, at: string, orderId?: string) {
    const current = this.records.get(outcome.paymentIntentId);
    if (current && current.state !== 'PENDING') return { decided: false, record: current };
    const base: PaymentRecord = current ?? { paymentIntentId: outcome.paymentIntentId, state: 'PENDING', createdAt: at, ...(orderId ? { orderId } : {}) };
    const { lastFailure: _dropped, ...rest } = base;
    const record: PaymentRecord = { ...rest, state: outcome.kind === 'succeeded' ? 'SUCCEEDED' : 'CANCELED', outcome, decidedAt: at, decidedBy: by };
    this.records.set(outcome.paymentIntentId, record);
    return { decided: true, record };
  }
  async noteFailure(paymentIntentId: string, reason: string, at: string) {
    const current = this.records.get(paymentIntentId);
    if (current?.state === 'PENDING') this.records.set(paymentIntentId, { ...current, lastFailure: { reason, at } });
  }
}

/** Answers to waiting saga steps, recorded; as Step Functions, a token already answered refuses another answer. */
export class FakeWaits implements WaitingSteps {
  readonly answers: Array<{ token: string; kind: 'succeed' | 'fail'; error?: string; cause?: string }> = [];
  async succeed(token: string) {
    return this.answer({ token, kind: 'succeed' });
  }
  async fail(token: string, error: string, cause: string) {
    return this.answer({ token, kind: 'fail', error, cause });
  }
  private answer(answer: FakeWaits['answers'][number]): boolean {
    const open = !this.answers.some((a) => a.token === answer.token);
    this.answers.push(answer);
    return open;
  }
}

/** Stock holds in memory: enough to follow what a use case did to stock (the DynamoDB ledger has its own tests). */
export class FakeStock implements StockLedger {
  readonly holds = new Map<string, StockHold>();
  readonly onHand = new Map<string, number>();
  readonly reserved = new Map<string, number>();

  async reserve(orderId: string, lines: readonly HeldLine[], expiresAt: string): Promise<ReserveResult> {
    if (this.holds.has(orderId)) return { outcome: 'already-reserved' };
    const short = lines.filter((l) => (this.onHand.get(l.sku) ?? 0) - (this.reserved.get(l.sku) ?? 0) < l.quantity).map((l) => l.sku);
    if (short.length > 0) return { outcome: 'insufficient', skus: short };
    for (const l of lines) this.reserved.set(l.sku, (this.reserved.get(l.sku) ?? 0) + l.quantity);
    this.holds.set(orderId, { orderId, lines, expiresAt, status: 'ACTIVE' });
    return { outcome: 'reserved' };
  }
  async release(orderId: string): Promise<'released' | 'not-held'> {
    const hold = this.holds.get(orderId);
    if (hold?.status !== 'ACTIVE') return 'not-held';
    for (const l of hold.lines) this.reserved.set(l.sku, (this.reserved.get(l.sku) ?? 0) - l.quantity);
    this.holds.set(orderId, { ...hold, status: 'RELEASED' });
    return 'released';
  }
  async commit(orderId: string): Promise<'committed' | 'already-committed' | 'not-held'> {
    const hold = this.holds.get(orderId);
    if (hold?.status === 'COMMITTED') return 'already-committed';
    if (hold?.status !== 'ACTIVE') return 'not-held';
    for (const l of hold.lines) {
      this.reserved.set(l.sku, (this.reserved.get(l.sku) ?? 0) - l.quantity);
      this.onHand.set(l.sku, (this.onHand.get(l.sku) ?? 0) - l.quantity);
    }
    this.holds.set(orderId, { ...hold, status: 'COMMITTED' });
    return 'committed';
  }
  async restock(orderId: string): Promise<'restocked' | 'not-committed'> {
    const hold = this.holds.get(orderId);
    if (hold?.status !== 'COMMITTED') return 'not-committed';
    for (const l of hold.lines) this.onHand.set(l.sku, (this.onHand.get(l.sku) ?? 0) + l.quantity);
    this.holds.set(orderId, { ...hold, status: 'RETURNED' });
    return 'restocked';
  }
  async get(orderId: string) {
    return this.holds.get(orderId);
  }
  async expiredHolds(before: Date, limit: number) {
    return [...this.holds.values()].filter((h) => h.status === 'ACTIVE' && Date.parse(h.expiresAt) < before.getTime()).slice(0, limit);
  }
}

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

/**
 * FakePayments with Stripe's history of it (PaymentHistory, as StripePaymentGateway is both): every PaymentIntent
 * and refund is stamped with the clock when it is made and listed by that time. PaymentIntents made outside the
 * saga (the dashboard, a stray client) are added with `add`.
 */
export class FakePaymentHistory extends FakePayments implements PaymentHistory {
  /** Creation times by PaymentIntent id, epoch seconds. */
  readonly created = new Map<string, number>();
  readonly refundList: ProviderRefundSummary[] = [];

  constructor(private readonly clock: () => Date) {
    super();
  }

  override async createPaymentIntent(request: { orderId: string; amount: Money }) {
    const intent = await super.createPaymentIntent(request);
    if (!this.created.has(intent.paymentIntentId)) this.created.set(intent.paymentIntentId, epochSeconds(this.clock()));
    return intent;
  }

  override async refund(paymentIntentId: string, orderId: string, options: { amount?: number; idempotencyKey?: string } = {}) {
    const before = this.refundKeys.size;
    const refund = await super.refund(paymentIntentId, orderId, options);
    if (this.refundKeys.size > before)
      this.refundList.push({ refundId: refund.refundId, paymentIntentId, amount: refund.amount, status: refund.status, created: epochSeconds(this.clock()) });
    return refund;
  }

  /** A PaymentIntent Stockade's saga did not make, in any status, made now by the clock. */
  add(intent: { paymentIntentId: string; status: string; amount: Money; orderId: string }): void {
    this.intents.set(intent.paymentIntentId, { ...intent, clientSecret: `${intent.paymentIntentId}_secret` });
    this.created.set(intent.paymentIntentId, epochSeconds(this.clock()));
  }

  /** The PaymentIntent's amount or currency changed after it was made (a client's update call). */
  amend(paymentIntentId: string, amount: Money): void {
    const intent = this.intents.get(paymentIntentId);
    if (!intent) throw new Error(`No PaymentIntent ${paymentIntentId}`);
    this.intents.set(paymentIntentId, { ...intent, amount });
  }

  async *paymentIntents(from: Date, to: Date): AsyncIterable<ProviderPaymentSummary> {
    for (const intent of [...this.intents.values()].reverse()) {
      const created = this.created.get(intent.paymentIntentId) ?? 0;
      if (created < epochSeconds(from) || created > epochSeconds(to)) continue;
      yield {
        paymentIntentId: intent.paymentIntentId,
        status: intent.status,
        amount: intent.amount.amount,
        currency: intent.amount.currency.toLowerCase(),
        orderId: intent.orderId,
        created,
      };
    }
  }

  async *refunds(from: Date, to: Date): AsyncIterable<ProviderRefundSummary> {
    yield* [...this.refundList].reverse().filter((r) => r.created >= epochSeconds(from) && r.created <= epochSeconds(to));
  }
}

/** Reconciliation reports in memory, the latest saved last. */
export class FakeReconciliationReports implements ReconciliationReports {
  readonly saved: ReconciliationReport[] = [];
  async save(report: ReconciliationReport) {
    this.saved.push(structuredClone(report));
  }
  async latest() {
    return this.saved.at(-1);
  }
}

/** The audit trail in memory: appended in order, listed newest first (the cursor is a position). */
export class FakeAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  async append(event: AuditEvent) {
    this.events.push({ ...event });
  }
  async list(query: { limit: number; after?: ListPosition }): Promise<PositionedPage<AuditEvent>> {
    const newestFirst = [...this.events].reverse();
    const start = query.after?.index ? Number(query.after.index) : 0;
    const end = start + query.limit;
    return { items: newestFirst.slice(start, end), ...(end < newestFirst.length ? { next: { index: String(end) } } : {}) };
  }
}

/** Default shipping addresses in memory. */
export class FakeAddressBook implements AddressBook {
  readonly addresses = new Map<string, ShippingAddress>();

  get(customerId: string): Promise<ShippingAddress | undefined> {
    return Promise.resolve(this.addresses.get(customerId));
  }

  put(customerId: string, address: ShippingAddress): Promise<void> {
    this.addresses.set(customerId, address);
    return Promise.resolve();
  }
}

/** A deliverable German address, for customers whose tests are not about shipping. */
export const BERLIN: ShippingAddress = { name: 'Erika Mustermann', line1: 'Heidestraße 17', city: 'Berlin', postalCode: '51147', country: 'DE' };

/** One free option: tests that are not about shipping keep their totals. */
export const FREE_SHIPPING: ShippingRates = {
  defaultOption: 'pickup',
  options: [{ id: 'pickup', label: 'Pickup', currency: 'EUR', rate: { kind: 'flat', amount: 0 } }],
};

/** Checkout's shipping ports for tests not about shipping: every customer has BERLIN as default address, shipping is free. */
export function freeShippingTo(customers: readonly string[]): { addresses: FakeAddressBook; shipping: ShippingRates } {
  const addresses = new FakeAddressBook();
  for (const c of customers) addresses.addresses.set(c, BERLIN);
  return { addresses, shipping: FREE_SHIPPING };
}
