import type { CursorCodec } from '../../ports/catalog-repository';
import type { OrderRepository } from '../../ports/order-repository';
import { NotFoundError } from '../errors';
import { type Order, orderView } from './order';

/** The caller's own order; anyone else's is 404, as if it did not exist. */
export async function getOrder(deps: { orders: OrderRepository }, customerId: string, orderId: string): Promise<Order> {
  const order = await deps.orders.get(orderId);
  if (!order || order.customerId !== customerId) throw new NotFoundError(`Order ${orderId} not found`);
  return orderView(order);
}

/** The caller's orders, newest first, with a signed cursor valid only for this caller. */
export async function listOrders(
  deps: { orders: OrderRepository; cursors: CursorCodec },
  customerId: string,
  query: { limit: number; cursor?: string },
): Promise<{ items: Order[]; nextCursor?: string }> {
  const scope = `orders|${customerId}`;
  const after = query.cursor ? await deps.cursors.decode(query.cursor, scope) : undefined;
  const page = await deps.orders.listByCustomer(customerId, { limit: query.limit, ...(after ? { after } : {}) });
  return { items: page.items.map(orderView), ...(page.next ? { nextCursor: await deps.cursors.encode(page.next, scope) } : {}) };
}
