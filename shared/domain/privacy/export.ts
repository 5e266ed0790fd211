import type { AuditActor, AuditEvent, AuditLog } from '../../ports/audit-log';
import type { AddressBook } from '../../ports/address-book';
import type { CartRepository } from '../../ports/cart-repository';
import type { Clock } from '../../ports/clock';
import type { OrderRepository } from '../../ports/order-repository';
import type { PaymentRecords } from '../../ports/payment-records';
import type { AuditHistory, CustomerAccounts, PersonalDataStore } from '../../ports/personal-data';
import type { ListPosition } from '../../ports/cursor-codec';
import type { ShippingAddress } from '../model/shipping';
import { TooManyRequestsError } from '../errors';
import { originOf } from '../operations/audit-trail';
import { type Order, orderView, type StoredOrder } from '../orders/order';

/** The most orders one export holds (newest first); a customer with more is told the export is not complete. */
export const EXPORT_MAX_ORDERS = 500;
/** The most audit events one export holds (newest first). */
export const EXPORT_MAX_AUDIT_EVENTS = 500;

/** A payment as Stockade recorded it: amounts, states and dates, never card data (none exists here). */
export interface ExportedPayment {
  readonly paymentIntentId: string;
  readonly orderId?: string;
  readonly amount?: { readonly amount: number; readonly currency: string };
  readonly state: string;
  readonly createdAt: string;
  readonly decidedAt?: string;
  readonly outcome?: { readonly kind: string; readonly amount: number; readonly currency: string };
}

/** Everything Stockade holds about one customer (GET /me/export; docs/privacy.md, "Export"). */
export interface PersonalDataExport {
  readonly exportedAt: string;
  readonly subject: string;
  /** The account's attributes in the user pool; null when the account no longer exists (erased). */
  readonly profile: { readonly attributes: Readonly<Record<string, string>>; readonly groups: readonly string[]; readonly createdAt?: string } | null;
  readonly cart: { readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>; readonly updatedAt: string } | null;
  readonly defaultAddress: ShippingAddress | null;
  /** The orders with their lines, shipping, payment status and refunds, newest first. */
  readonly orders: readonly Order[];
  /** The payment record of each order that has one. */
  readonly payments: readonly ExportedPayment[];
  /** What the audit trail holds about the customer's own actions, newest first. */
  readonly auditEvents: readonly AuditEvent[];
  /** False when a cap (EXPORT_MAX_ORDERS, EXPORT_MAX_AUDIT_EVENTS) left something out. */
  readonly complete: boolean;
}

export interface ExportDeps {
  readonly accounts: CustomerAccounts;
  readonly carts: CartRepository;
  readonly addresses: AddressBook;
  readonly orders: OrderRepository;
  readonly records: PaymentRecords;
  readonly history: AuditHistory;
  readonly store: PersonalDataStore;
  readonly audit: AuditLog;
  readonly now: Clock;
  /** At most one export per customer per this many seconds (the stage's `privacy.exportIntervalMinutes`). */
  readonly intervalSeconds: number;
}

/**
 * Everything held about the caller, as one JSON document, at most once per interval (429 with Retry-After after).
 * Bounded: the newest EXPORT_MAX_ORDERS orders and EXPORT_MAX_AUDIT_EVENTS audit events, `complete: false` beyond.
 * An erased account has nothing left: the export then holds no profile, cart, address, orders or events. Audited
 * under the caller's sub (the event says what was exported, by counts only).
 */
export async function exportPersonalData(deps: ExportDeps, caller: AuditActor): Promise<PersonalDataExport> {
  const at = deps.now();
  const claim = await deps.store.claimExport(caller.sub, at, deps.intervalSeconds);
  if (!claim.allowed)
    throw new TooManyRequestsError(`One export per ${Math.round(deps.intervalSeconds / 60)} minutes; try again later`, claim.retryAfterSeconds);
  const account = await deps.accounts.find(caller.sub);
  const exported = account ? await gather(deps, caller.sub, account) : emptyExport(caller.sub);
  await deps.audit.append({
    at: at.toISOString(),
    actor: caller.sub,
    action: 'personal-data.exported',
    target: `customer:${caller.sub}`,
    outcome: 'succeeded',
    ...originOf(caller),
    detail: `${exported.orders.length} orders, ${exported.payments.length} payments, ${exported.auditEvents.length} audit events${exported.complete ? '' : ' (capped)'}`,
  });
  return { ...exported, exportedAt: at.toISOString() };
}

function emptyExport(sub: string): Omit<PersonalDataExport, 'exportedAt'> {
  return { subject: sub, profile: null, cart: null, defaultAddress: null, orders: [], payments: [], auditEvents: [], complete: true };
}

async function gather(
  deps: ExportDeps,
  sub: string,
  account: NonNullable<Awaited<ReturnType<CustomerAccounts['find']>>>,
): Promise<Omit<PersonalDataExport, 'exportedAt'>> {
  const [cart, address, orders, events] = await Promise.all([
    deps.carts.get(sub),
    deps.addresses.get(sub),
    allOrders(deps.orders, sub, EXPORT_MAX_ORDERS),
    deps.history.byActor(sub, EXPORT_MAX_AUDIT_EVENTS),
  ]);
  const payments: ExportedPayment[] = [];
  for (const order of orders.items) {
    if (!order.payment) continue;
    const record = await deps.records.get(order.payment.paymentIntentId);
    if (!record) continue;
    payments.push({
      paymentIntentId: record.paymentIntentId,
      ...(record.orderId ? { orderId: record.orderId } : {}),
      ...(record.amount ? { amount: record.amount } : {}),
      state: record.state,
      createdAt: record.createdAt,
      ...(record.decidedAt ? { decidedAt: record.decidedAt } : {}),
      ...(record.outcome ? { outcome: { kind: record.outcome.kind, amount: record.outcome.amount, currency: record.outcome.currency } } : {}),
    });
  }
  return {
    subject: sub,
    profile: { attributes: account.attributes, groups: account.groups, ...(account.createdAt ? { createdAt: account.createdAt } : {}) },
    cart: cart ? { lines: cart.lines, updatedAt: cart.updatedAt } : null,
    defaultAddress: address ?? null,
    orders: orders.items.map(recordView),
    payments,
    auditEvents: events.items,
    complete: !orders.more && !events.more,
  };
}

/** Up to `max` of the customer's orders, newest first, and whether more exist. */
export async function allOrders(orders: OrderRepository, customerId: string, max: number): Promise<{ items: StoredOrder[]; more: boolean }> {
  const items: StoredOrder[] = [];
  let after: ListPosition | undefined;
  do {
    const page = await orders.listByCustomer(customerId, { limit: Math.min(100, max - items.length + 1), ...(after ? { after } : {}) });
    items.push(...page.items);
    after = page.next;
  } while (after && items.length <= max);
  return { items: items.slice(0, max), more: items.length > max };
}

/** The order as its owner sees it, without the client secret: the export is for the customer's records, not for paying. */
function recordView(order: StoredOrder): Order {
  const view = orderView(order);
  if (!view.payment?.clientSecret) return view;
  const { clientSecret: _secret, ...payment } = view.payment;
  return { ...view, payment };
}
