import type { AuditActor, AuditLog } from '../../ports/audit-log';
import type { Clock } from '../../ports/clock';
import type { CursorCodec } from '../../ports/cursor-codec';
import type { OrderRepository } from '../../ports/order-repository';
import type { PaymentGateway } from '../../ports/payment-gateway';
import type { PaymentRecords } from '../../ports/payment-records';
import type { WaitingSteps } from '../../ports/workflow';
import { NotFoundError, ValidationError } from '../errors';
import { listPage, type ListPage } from '../listing';
import { audited } from '../operations/audit-trail';
import { type Order, type OrderStatus, orderView } from './order';
import { receivePaymentOutcome } from './saga';

/** The caller's own order; anyone else's is 404, as if it did not exist. */
export async function getOrder(deps: { orders: OrderRepository }, customerId: string, orderId: string): Promise<Order> {
  const order = await deps.orders.get(orderId);
  if (!order || order.customerId !== customerId) throw new NotFoundError(`Order ${orderId} not found`);
  return orderView(order);
}

/**
 * The caller's own order, for a client polling it after paying (Stripe.js returns before the webhook lands): while
 * it awaits payment, the PaymentIntent is asked where it is, and a finished payment is reported through the same
 * finalizer as the webhook, so whichever comes first decides and the other changes nothing. If the provider cannot
 * be asked, the stored order is served (`onProviderError` is told): the webhook still finishes the job.
 */
export async function pollOrder(
  deps: {
    orders: OrderRepository;
    records: PaymentRecords;
    waits: WaitingSteps;
    payments: PaymentGateway;
    now: Clock;
    onProviderError: (error: unknown) => void;
  },
  customerId: string,
  orderId: string,
): Promise<Order> {
  const order = await deps.orders.get(orderId);
  if (!order || order.customerId !== customerId) throw new NotFoundError(`Order ${orderId} not found`);
  if (order.status !== 'AWAITING_PAYMENT' || !order.payment) return orderView(order);
  try {
    const pi = await deps.payments.retrieve(order.payment.paymentIntentId);
    if (pi.status !== 'succeeded' && pi.status !== 'canceled') return orderView(order);
    await receivePaymentOutcome(
      deps,
      orderId,
      { kind: pi.status, paymentIntentId: pi.paymentIntentId, amount: pi.amount.amount, currency: pi.amount.currency.toLowerCase() },
      'poll',
    );
  } catch (error) {
    deps.onProviderError(error);
    return orderView(order);
  }
  return orderView((await deps.orders.get(orderId)) ?? order);
}

/** The caller's orders, newest first, with a signed cursor valid only for this caller. */
export async function listOrders(
  deps: { orders: OrderRepository; cursors: CursorCodec },
  customerId: string,
  query: { limit: number; cursor?: string },
): Promise<ListPage<Order>> {
  return listPage(
    deps.cursors,
    { scope: `orders|${customerId}`, cursor: query.cursor },
    (after) => deps.orders.listByCustomer(customerId, { limit: query.limit, ...(after ? { after } : {}) }),
    orderView,
  );
}

/** The query of the admins' order listing (GET /admin/orders). */
export interface OrdersByStatusQuery {
  readonly status: OrderStatus;
  /** ISO 8601 times; from the beginning and up to now when absent. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** The earliest creation time the listing starts from when no `from` is given. */
const BEGINNING = '1970-01-01T00:00:00.000Z';

/**
 * Every order in one status created in [from, to], newest first, for an admin. The cursor is signed for this admin
 * and these filters: another admin's cursor, or one of another status or window, is a 400.
 */
export async function listOrdersByStatus(
  deps: { orders: OrderRepository; cursors: CursorCodec; now: Clock },
  adminSub: string,
  query: OrdersByStatusQuery,
): Promise<ListPage<Order>> {
  const from = query.from ? new Date(query.from).toISOString() : BEGINNING;
  const to = query.to ? new Date(query.to).toISOString() : deps.now().toISOString();
  if (from > to) throw new ValidationError('from must not be later than to', [{ path: 'query.from', message: 'must not be later than to' }]);
  return listPage(
    deps.cursors,
    { scope: `admin-orders|${adminSub}|${query.status}|${query.from ?? ''}|${query.to ?? ''}`, cursor: query.cursor },
    (after) => deps.orders.listByStatus(query.status, { from, to, limit: query.limit, ...(after ? { after } : {}) }),
    orderView,
  );
}

/**
 * GET /admin/orders: an admin's read of orders, which show the customers' names, e-mail and shipping addresses, is
 * audited as `personal-data.read` on `orders:<status>` with the ids of the orders shown (a page holds at most the
 * query's limit); a refused read (a bad cursor or window) is audited as denied.
 */
export function readOrdersAsAdmin(
  deps: Parameters<typeof listOrdersByStatus>[0] & { audit: AuditLog },
  admin: AuditActor,
  query: OrdersByStatusQuery,
): Promise<ListPage<Order>> {
  return audited(
    deps,
    admin,
    {
      action: 'personal-data.read',
      target: `orders:${query.status}`,
      detail: (page) => `${page.items.length} orders${page.items.length > 0 ? `: ${page.items.map((o) => o.orderId).join(', ')}` : ''}`,
    },
    () => listOrdersByStatus(deps, admin.sub, query),
  );
}
