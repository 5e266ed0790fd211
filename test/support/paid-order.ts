import type Stripe from 'stripe';
import { ulid } from 'ulid';
import type { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import type { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import type { StoredOrder } from '../../shared/domain/orders/order';

/**
 * A paid, CONFIRMED order built in the tables exactly as the saga leaves one (order created, stock reserved then
 * committed, a real PaymentIntent confirmed with pm_card_visa at the Stripe stand-in), without an execution: so a
 * test can act on it before the fulfilment hand-off would move it on.
 */
export async function paidConfirmedOrder(
  deps: { orders: DynamoDbOrderRepository; ledger: DynamoDbStockLedger; stripe: Stripe },
  line: { customerId: string; sku: string; productId: string; vendorId: string; unitAmount: number; quantity: number },
): Promise<{ order: StoredOrder; paymentIntentId: string }> {
  const at = new Date().toISOString();
  const amount = line.unitAmount * line.quantity;
  const order: StoredOrder = {
    orderId: ulid(),
    customerId: line.customerId,
    status: 'PENDING',
    lines: [{ sku: line.sku, productId: line.productId, vendorId: line.vendorId, quantity: line.quantity, unitPrice: { amount: line.unitAmount, currency: 'EUR' }, lineTotal: { amount, currency: 'EUR' } }],
    total: { amount, currency: 'EUR' },
    createdAt: at,
    updatedAt: at,
  };
  await deps.orders.createOnce(order, { idempotencyKey: `direct-${order.orderId}`, requestHash: 'direct' });
  const reserved = await deps.ledger.reserve(order.orderId, [{ sku: line.sku, quantity: line.quantity }], new Date(Date.now() + 600_000).toISOString(), at);
  if (reserved.outcome !== 'reserved') throw new Error(`Could not reserve ${line.sku}: ${reserved.outcome}`);
  const intent = await deps.stripe.paymentIntents.create({ amount, currency: 'eur', metadata: { orderId: order.orderId } });
  await deps.orders.attachPayment(order.orderId, { provider: 'stripe', paymentIntentId: intent.id, status: intent.status }, at);
  // No execution waits on this token; the webhook's answer to it is refused and ignored.
  await deps.orders.awaitPayment(order.orderId, 'no-execution-waits', at);
  await deps.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
  const committed = await deps.ledger.commit(order.orderId, new Date().toISOString());
  if (committed !== 'committed') throw new Error(`Could not commit ${order.orderId}: ${committed}`);
  return { order, paymentIntentId: intent.id };
}
