import { listOrdersByStatus } from '../../shared/domain/orders/queries';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { AdminListOrdersQuerySchema } from '../../shared/schemas/orders';
import { cursorCodec, now, orderRepository } from './root';

const deps = { orders: orderRepository(), cursors: cursorCodec(), now };

/** GET /admin/orders: every order in one status, newest first, with a cursor only valid for this admin and filters. */
export const handler = httpHandler({ query: AdminListOrdersQuerySchema }, async ({ query, event }) => ({
  status: 200,
  body: await listOrdersByStatus(deps, principalOf(event).sub, query),
  headers: { 'Cache-Control': 'no-store' },
}));
