import type { Order, StoredOrder } from '../model/order';

export { ENDED_STATUSES, OPEN_STATUSES, ORDER_STATUSES } from '../model/order';
export type { Order, OrderLine, OrderPayment, OrderStatus, PaymentOutcome, StoredOrder } from '../model/order';

/** The contract's view of an order; the client secret only while the order awaits payment. */
export function orderView(order: StoredOrder): Order {
  const { payment } = order;
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    status: order.status,
    lines: order.lines,
    total: order.total,
    currency: order.total.currency,
    ...(payment
      ? {
          payment: {
            provider: payment.provider,
            paymentIntentId: payment.paymentIntentId,
            status: payment.status,
            ...(order.status === 'AWAITING_PAYMENT' && payment.clientSecret ? { clientSecret: payment.clientSecret } : {}),
          },
        }
      : {}),
    ...(order.failureReason ? { failureReason: order.failureReason } : {}),
    ...(order.refundedAmount ? { refunded: { amount: order.refundedAmount, currency: order.total.currency } } : {}),
    ...(order.shipping ? { shipping: order.shipping } : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}
