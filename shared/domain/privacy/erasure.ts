import type { AuditLog, RequestOrigin } from '../../ports/audit-log';
import type { Clock } from '../../ports/clock';
import type { IdGenerator } from '../../ports/id-generator';
import type { OrderRepository } from '../../ports/order-repository';
import type { PaymentGateway } from '../../ports/payment-gateway';
import type { CustomerAccounts, ErasureRequest, ErasureRequests, FulfilmentErasure, PaymentCustomers, PersonalDataStore } from '../../ports/personal-data';
import type { StockLedger } from '../../ports/stock-ledger';
import type { WaitingSteps } from '../../ports/workflow';
import { originOf } from '../operations/audit-trail';
import { ConflictError } from '../errors';
import { cancelOrder } from '../orders/cancel';
import type { OrderStatus, StoredOrder } from '../orders/order';
import { allOrders } from './export';

/** What a pseudonym looks like: the prefix says the customer was erased, the rest is random and stored nowhere else. */
export const PSEUDONYM_PREFIX = 'erased-';

/** The groups whose members are staff, not shoppers: their accounts are closed by an operator, never by this run. */
const STAFF_GROUPS: readonly string[] = ['admin', 'vendor'];

/**
 * The rule for open orders (docs/privacy.md, "Erasure"): an order awaiting payment is cancelled first through the
 * customer's own cancel path (stock released, PaymentIntent canceled, the saga told); an order the saga is still
 * placing (PENDING, RESERVED) or a paid order not yet handed to fulfilment (CONFIRMED) makes the request wait: the run
 * fails with this error and is tried again later (the queue's backoff), until the order settles.
 */
export class ErasureMustWaitError extends Error {
  override readonly name = 'ErasureMustWaitError';
}

const CANCEL_FIRST: readonly OrderStatus[] = ['AWAITING_PAYMENT'];
const WAIT_FOR: readonly OrderStatus[] = ['PENDING', 'RESERVED', 'CONFIRMED'];

/**
 * Records an erasure request and queues it for the asynchronous run (DELETE /me, POST /admin/users/{userId}/erasure).
 * The pseudonym is drawn here, once: every retry of the run uses the same one. Audited under the pseudonym only: the
 * customer's own request has the pseudonym as actor, an admin's has the admin as actor and the pseudonym as target.
 */
export async function requestErasure(
  deps: { requests: ErasureRequests; audit: AuditLog; now: Clock; newId: IdGenerator },
  request: RequestOrigin & { customerId: string; requestedBy: { kind: 'customer' } | { kind: 'admin'; sub: string } },
): Promise<{ requestedAt: string }> {
  const requestedAt = deps.now().toISOString();
  const pseudonym = `${PSEUDONYM_PREFIX}${deps.newId()}`;
  await deps.requests.submit({ customerId: request.customerId, pseudonym, requestedAt, requestedBy: request.requestedBy.kind });
  await deps.audit.append({
    at: requestedAt,
    actor: request.requestedBy.kind === 'admin' ? request.requestedBy.sub : pseudonym,
    action: 'erasure.requested',
    target: `customer:${pseudonym}`,
    outcome: 'succeeded',
    ...originOf(request),
    detail: request.requestedBy.kind === 'admin' ? 'requested by an admin for the customer' : 'requested by the customer',
  });
  return { requestedAt };
}

export interface ErasureDeps {
  readonly accounts: CustomerAccounts;
  readonly orders: OrderRepository;
  readonly store: PersonalDataStore;
  readonly stock: StockLedger;
  readonly payments: PaymentGateway;
  readonly waits: WaitingSteps;
  readonly paymentCustomers: PaymentCustomers;
  readonly fulfilment: FulfilmentErasure;
  readonly audit: AuditLog;
  readonly now: Clock;
  /** How long pseudonymised orders and payments are kept for the accountants (the stage's `privacy.retentionDays`). */
  readonly retentionDays: number;
}

export type ErasureOutcome =
  | { readonly kind: 'erased'; readonly orders: number; readonly cancelled: number; readonly paymentCustomers: number }
  | { readonly kind: 'refused'; readonly reason: string };

/** The most orders one run pseudonymises; a customer with more is finished by the next attempt. */
const ORDERS_PER_RUN = 1_000;

/**
 * Carries out one erasure request; every step is idempotent, so a retried or repeated request changes nothing more:
 * 1. open orders follow the rule (ErasureMustWaitError while one must settle; awaiting payment: cancelled first);
 * 2. a staff account (admin, vendor) is refused: closing it is an operator's decision;
 * 3. the payment provider's customer objects with the account's or the orders' e-mail are deleted;
 * 4. the fulfilment provider is told which orders' recipient to erase;
 * 5. each order's personal fields are replaced by the pseudonym and the order and its payment set to expire after
 *    the stage's retention (from the order's creation);
 * 6. the cart, the default address and the export allowance are deleted;
 * 7. the account is signed out everywhere and deleted (its sessions end; sign-in fails from then on).
 * The run is audited under the pseudonym only.
 */
export async function carryOutErasure(deps: ErasureDeps, request: ErasureRequest): Promise<ErasureOutcome> {
  const { customerId, pseudonym } = request;
  const target = `customer:${pseudonym}`;
  const account = await deps.accounts.find(customerId);
  if (account && account.groups.some((g) => STAFF_GROUPS.includes(g))) {
    const reason = 'the account belongs to staff (admin or vendor): an operator closes it';
    await audit(deps, target, 'denied', reason);
    return { kind: 'refused', reason };
  }

  const { items: orders } = await allOrders(deps.orders, customerId, ORDERS_PER_RUN);
  let cancelled = 0;
  const waiting: string[] = [];
  for (const order of orders) {
    if (CANCEL_FIRST.includes(order.status)) {
      // Only while still unpaid: one paid since it was listed is waited for, like any confirmed order, not refunded.
      const after = await cancelOrder(deps, customerId, order.orderId, { from: CANCEL_FIRST }).catch(async (error: unknown) => {
        if (!(error instanceof ConflictError)) throw error;
        return (await deps.orders.get(order.orderId)) ?? order;
      });
      if (after.status === 'CANCELLED') cancelled++;
      else if (WAIT_FOR.includes(after.status)) waiting.push(after.status);
    } else if (WAIT_FOR.includes(order.status)) {
      waiting.push(order.status);
    }
  }
  if (waiting.length > 0) throw new ErasureMustWaitError(`The erasure waits for ${waiting.length} open orders (${[...new Set(waiting)].join(', ')}) to settle`);

  const settled = cancelled > 0 ? (await allOrders(deps.orders, customerId, ORDERS_PER_RUN)).items : orders;
  const emails = [...new Set([account?.attributes.email, ...settled.map((o) => o.shipping?.email)].filter((e): e is string => Boolean(e)))];
  const paymentCustomers = emails.length > 0 ? await deps.paymentCustomers.deleteByEmail(emails) : 0;
  const handedOff = settled.filter((o) => o.fulfilmentReference !== undefined).map((o) => o.orderId);
  if (handedOff.length > 0) await deps.fulfilment.erase({ reference: pseudonym, orderIds: handedOff });

  const at = deps.now().toISOString();
  let pseudonymised = 0;
  for (const order of settled) {
    const changed = await deps.store.pseudonymiseOrder(order.orderId, {
      customerId,
      pseudonym,
      purgeAt: purgeAt(order, deps.retentionDays),
      at,
      ...(order.payment ? { paymentIntentId: order.payment.paymentIntentId } : {}),
    });
    if (changed) pseudonymised++;
  }
  await deps.store.deleteCustomerItems(customerId);
  if (account) {
    await deps.accounts.signOutEverywhere(customerId);
    await deps.accounts.delete(customerId);
  }
  const outcome = { kind: 'erased' as const, orders: pseudonymised, cancelled, paymentCustomers };
  await audit(
    deps,
    target,
    'succeeded',
    `${account ? 'account deleted' : 'no account left'}; ${pseudonymised} orders pseudonymised (${cancelled} cancelled first); ${paymentCustomers} payment-provider customers deleted; fulfilment told of ${handedOff.length} orders`,
  );
  return outcome;
}

/** When an order's records may go: its creation plus the retention, in epoch seconds. */
export function purgeAt(order: Pick<StoredOrder, 'createdAt'>, retentionDays: number): number {
  return Math.floor(Date.parse(order.createdAt) / 1000) + retentionDays * 86_400;
}

async function audit(deps: Pick<ErasureDeps, 'audit' | 'now'>, target: string, outcome: 'succeeded' | 'denied', detail: string): Promise<void> {
  await deps.audit.append({ at: deps.now().toISOString(), actor: 'erasure', action: 'customer.erased', target, outcome, detail });
}
