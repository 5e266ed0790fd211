import { createHash } from 'node:crypto';
import type { AuditActor, AuditLog } from '../../ports/audit-log';
import type { OrderRepository } from '../../ports/order-repository';
import type { PaymentGateway } from '../../ports/payment-gateway';
import { BusinessRuleError, ConflictError, NotFoundError } from '../errors';
import type { ProviderEvent } from '../../ports/payment-events';
import { type Order, type OrderStatus, orderView, type StoredOrder } from './order';
import type { Clock } from '../../ports/clock';
import { formatMoney, type Money } from '../model/money';
import { originOf } from '../operations/audit-trail';

/** Orders whose payment was taken and not yet fully refunded. */
const REFUNDABLE: readonly OrderStatus[] = ['CONFIRMED', 'FULFILLED'];

export interface RefundRequest {
  /** Minor units; the whole remaining amount when absent. */
  readonly amount?: number;
  readonly reason: string;
  /** The caller's Idempotency-Key, when sent: the same key is the same refund. */
  readonly idempotencyKey?: string;
}

/**
 * An admin refunds a paid order fully or in part, with a reason; the attempt is audited whatever its outcome.
 * Without an Idempotency-Key, the provider's idempotency key is derived from the order, the amount and the reason:
 * a double-clicked or retried request is the same refund, whenever it arrives. A second refund of the same amount
 * for the same reason needs its own Idempotency-Key (or another reason). The refund is recorded on the order once
 * per provider refund id; a full refund makes it REFUNDED.
 */
export async function refundOrder(
  deps: { orders: OrderRepository; payments: PaymentGateway; audit: AuditLog; now: Clock },
  admin: AuditActor,
  orderId: string,
  request: RefundRequest,
): Promise<Order> {
  const audit = (outcome: 'succeeded' | 'failed' | 'denied', detail: string, amounts: Record<string, Money>) =>
    deps.audit.append({
      at: deps.now().toISOString(),
      actor: admin.sub,
      action: 'order.refund',
      target: `order:${orderId}`,
      outcome,
      detail,
      amounts,
      ...originOf(admin),
    });
  const order = await deps.orders.get(orderId);
  if (!order) throw new NotFoundError(`Order ${orderId} not found`);
  const before = order.refundedAmount ?? 0;
  const remaining = order.total.amount - before;
  const amount = request.amount ?? remaining;
  const money = (minor: number): Money => ({ amount: minor, currency: order.total.currency });
  // Money as money for whoever reads the trail ("10.00 EUR of 36.00 EUR"), the minor units beside it for tools.
  const amounts = { refund: money(amount), orderTotal: order.total, refundable: money(remaining) };
  const detail = `${formatMoney(money(amount))} of ${formatMoney(order.total)}: ${request.reason}`;
  if (!order.payment || !REFUNDABLE.includes(order.status)) {
    await audit('denied', `${detail} (order is ${order.status})`, amounts);
    throw new ConflictError(`A ${order.status} order has no payment left to refund`);
  }
  if (amount < 1 || amount > remaining) {
    await audit('denied', `${detail} (${formatMoney(money(remaining))} remains refundable)`, amounts);
    throw new BusinessRuleError(`The refund must be between 1 and ${remaining} ${order.total.currency} (minor units)`);
  }
  const idempotencyKey = request.idempotencyKey
    ? `order-${orderId}-refund-key-${request.idempotencyKey}`
    : `order-${orderId}-refund-${amount}-${createHash('sha256').update(request.reason.trim().toLowerCase()).digest('hex').slice(0, 16)}`;
  let refund: { refundId: string; status: string; amount: number };
  try {
    refund = await deps.payments.refund(order.payment.paymentIntentId, orderId, { amount, idempotencyKey, reason: request.reason });
  } catch (error) {
    await audit('failed', detail, amounts);
    throw error;
  }
  const updated = await recordRefundOnOrder(deps, orderId, { refundId: refund.refundId, amount: refund.amount });
  await audit('succeeded', `${detail} (refund ${refund.refundId}, ${refund.status})`, amounts);
  return orderView(updated ?? order);
}

/**
 * Adds a refund to its order once (by refund id), whoever reports it first (the admin route or Stripe's refund
 * event); a paid order refunded in full becomes REFUNDED. Orders that failed or were cancelled keep their status.
 */
export async function recordRefundOnOrder(
  deps: { orders: OrderRepository; now: Clock },
  orderId: string,
  refund: { refundId: string; amount: number },
): Promise<StoredOrder | undefined> {
  const current = await deps.orders.get(orderId);
  if (!current) return undefined;
  const full = (current.refundedAmount ?? 0) + refund.amount >= current.total.amount;
  const updated = await deps.orders.recordRefund(orderId, { ...refund, paymentStatus: full ? 'refunded' : 'partially_refunded' }, deps.now().toISOString());
  // Decided again on the order as the refund left it: two refunds recorded at once each read the other's amount as
  // not yet there, and the one recorded last would otherwise leave a refunded-in-full order partially_refunded.
  if (!updated || (updated.refundedAmount ?? 0) < updated.total.amount) return updated;
  const at = deps.now().toISOString();
  if (REFUNDABLE.includes(updated.status)) {
    return (await deps.orders.transition(orderId, { from: REFUNDABLE, to: 'REFUNDED', at, paymentStatus: 'refunded' })) ?? deps.orders.get(orderId);
  }
  if (updated.payment && updated.payment.status !== 'refunded') {
    return (await deps.orders.transition(orderId, { from: [updated.status], to: updated.status, at, paymentStatus: 'refunded' })) ?? deps.orders.get(orderId);
  }
  return updated;
}

/**
 * `charge.refunded`: the charge says only how much is refunded in total, so the PaymentIntent's refunds are fetched
 * from Stripe as they are now and each succeeded one is recorded on the order once (by refund id), whatever order
 * the refund events arrive in.
 */
export async function receiveChargeRefunded(
  deps: { orders: OrderRepository; payments: PaymentGateway; now: Clock },
  charge: NonNullable<ProviderEvent['charge']>,
): Promise<'recorded' | 'unknown-order'> {
  if (!charge.paymentIntentId) return 'unknown-order';
  const orderId = (await deps.payments.retrieve(charge.paymentIntentId)).orderId;
  if (!orderId || !(await deps.orders.get(orderId))) return 'unknown-order';
  for (const refund of await deps.payments.refundsOf(charge.paymentIntentId)) {
    if (refund.status === 'succeeded') await recordRefundOnOrder(deps, orderId, { refundId: refund.refundId, amount: refund.amount });
  }
  return 'recorded';
}

/**
 * A refund Stripe reports (refund.created / refund.updated), including one made in the Stripe dashboard: recorded
 * on its order once it succeeded. The order is found from the refund's metadata, or else the PaymentIntent's.
 */
export async function receiveProviderRefund(
  deps: { orders: OrderRepository; payments: PaymentGateway; now: Clock },
  refund: NonNullable<ProviderEvent['refund']>,
): Promise<'recorded' | 'not-succeeded' | 'unknown-order'> {
  if (refund.status !== 'succeeded') return 'not-succeeded';
  const orderId = refund.orderId ?? (refund.paymentIntentId ? (await deps.payments.retrieve(refund.paymentIntentId)).orderId : undefined);
  if (!orderId) return 'unknown-order';
  return (await recordRefundOnOrder(deps, orderId, { refundId: refund.id, amount: refund.amount })) ? 'recorded' : 'unknown-order';
}
