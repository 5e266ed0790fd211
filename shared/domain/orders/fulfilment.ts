import type { FulfilmentProvider } from '../../ports/fulfilment-provider';
import type { OrderRepository } from '../../ports/order-repository';
import type { Clock } from '../../ports/clock';

/**
 * Fulfilment hand-off for one OrderConfirmed event: a CONFIRMED order goes to the provider and becomes FULFILLED
 * once accepted. Redelivery is harmless (FULFILLED orders are skipped; the provider is idempotent per order). The
 * order is claimed first, so a cancellation in the meantime is refused (cancel.ts) rather than refunding goods that
 * ship; one that came first leaves nothing to claim, and nothing is sent.
 */
export async function handOffOrder(
  deps: { orders: OrderRepository; provider: FulfilmentProvider; now: Clock },
  orderId: string,
): Promise<'fulfilled' | 'already-fulfilled' | 'not-confirmed' | 'unknown-order'> {
  const claimed = await deps.orders.claimFulfilment(orderId, deps.now().toISOString());
  if (!claimed) {
    const order = await deps.orders.get(orderId);
    if (!order) return 'unknown-order';
    return order.status === 'FULFILLED' ? 'already-fulfilled' : 'not-confirmed';
  }
  const { reference } = await deps.provider.submit(claimed);
  const done = await deps.orders.transition(orderId, { from: ['CONFIRMED'], to: 'FULFILLED', at: deps.now().toISOString(), fulfilmentReference: reference });
  return done ? 'fulfilled' : 'already-fulfilled';
}
