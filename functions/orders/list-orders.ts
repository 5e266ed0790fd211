import { listOrders } from '../../shared/domain/orders/queries';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { ListOrdersQuerySchema } from '../../shared/schemas/orders';
import { orderListingDeps } from './root';

const deps = orderListingDeps();

/** GET /orders: the caller's orders, newest first, with a cursor only valid for them. */
export const handler = httpHandler({ query: ListOrdersQuerySchema }, async ({ query, event }) => ({
  status: 200,
  body: await listOrders(deps, principalOf(event).sub, query),
  headers: { 'Cache-Control': 'no-store' },
}));
