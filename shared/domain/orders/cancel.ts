import type { OrderRepository } from '../../ports/order-repository';
import type { PaymentGateway } from '../../ports/payment-gateway';
import type { StockLedger } from '../../ports/stock-ledger';
import type { WaitingSteps } from '../../ports/workflow';
import { ConflictError, NotFoundError } from '../errors';
import { OPEN_STATUSES, type Order, type OrderStatus, orderView } from './order';
import { voidPayment } from './saga';
import type { Clock } from '../../ports/clock';
import type { AuditActor, AuditLog } from '../../ports/audit-log';
import { audited } from '../operations/audit-trail';

/** Statuses an owner may cancel from: anything before the order is handed to fulfilment. */
const CANCELLABLE: readonly OrderStatus[] = [...OPEN_STATUSES, 'CONFIRMED'];

const HANDED_OFF = 'The order is being handed to fulfilment and can no longer be cancelled';

/**
 * The owner cancels their order before it is FULFILLED. The status changes first (one conditional write), so the
 * saga, the fulfilment consumer and a second cancel all see it and stand back; then the stock goes back (a hold is
 * released, a committed sale restocked), the payment is canceled or refunded, and a saga waiting for the payment is
 * told to end. Cancelling a cancelled order answers it again; a fulfilled, failed or refunded one is a 409, and so
 * is a confirmed one the fulfilment hand-off has taken (fulfilment.ts): its goods may be on their way. `from` narrows
 * the statuses this caller may cancel from (the erasure run cancels only unpaid orders).
 */
export async function cancelOrder(
  deps: { orders: OrderRepository; stock: StockLedger; payments: PaymentGateway; waits: WaitingSteps; now: Clock },
  customerId: string,
  orderId: string,
  options: { from?: readonly OrderStatus[] } = {},
): Promise<Order> {
  const from = options.from ?? CANCELLABLE;
  const order = await deps.orders.get(orderId);
  if (!order || order.customerId !== customerId) throw new NotFoundError(`Order ${orderId} not found`);
  if (order.status === 'CANCELLED') return orderView(order);
  if (!from.includes(order.status)) throw new ConflictError(`A ${order.status} order cannot be cancelled`);
  if (order.fulfilmentClaimedAt) throw new ConflictError(HANDED_OFF);
  const at = deps.now().toISOString();
  const cancelled = await deps.orders.transition(orderId, { from, to: 'CANCELLED', at, failureReason: 'Cancelled by the customer', unclaimed: true });
  if (!cancelled) {
    const now = await deps.orders.get(orderId);
    if (now?.status === 'CANCELLED') return orderView(now);
    throw new ConflictError(now?.fulfilmentClaimedAt ? HANDED_OFF : `The order became ${now?.status ?? 'unknown'} and can no longer be cancelled`);
  }
  if (order.status === 'CONFIRMED') await deps.stock.restock(orderId, at);
  else await deps.stock.release(orderId, at);
  if (order.payment) {
    const paymentStatus = await voidPayment(deps.payments, order.payment.paymentIntentId, orderId);
    await deps.orders.transition(orderId, { from: ['CANCELLED'], to: 'CANCELLED', at: deps.now().toISOString(), paymentStatus });
  }
  if (order.paymentTaskToken) await deps.waits.fail(order.paymentTaskToken, 'OrderCancelled', 'The customer cancelled the order');
  return orderView((await deps.orders.get(orderId)) ?? cancelled);
}

/**
 * POST /orders/{orderId}/cancel: the customer's own cancellation, audited as `order.cancel` on `order:<id>` under the
 * customer's sub: succeeded (also for an order already cancelled), denied when refused (not theirs or not found: 404;
 * too late: 409), failed when the payment could not be voided (503). The erasure run cancels through cancelOrder
 * itself and audits its run as a whole, under the pseudonym.
 */
export function cancelOwnOrder(deps: Parameters<typeof cancelOrder>[0] & { audit: AuditLog }, customer: AuditActor, orderId: string): Promise<Order> {
  return audited(deps, customer, { action: 'order.cancel', target: `order:${orderId}`, detail: (order) => `now ${order.status}` }, () =>
    cancelOrder(deps, customer.sub, orderId),
  );
}
