import { readOrdersAsAdmin } from '../../shared/domain/orders/queries';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { AdminListOrdersQuerySchema } from '../../shared/schemas/orders';
import { auditLog, cursorCodec, now, orderRepository } from './root';

const deps = { orders: orderRepository(), cursors: cursorCodec(), audit: auditLog(), now };

/**
 * GET /admin/orders: every order in one status, newest first, with a cursor only valid for this admin and filters.
 * The orders show names, e-mail and addresses: each read is audited.
 */
export const handler = httpHandler({ query: AdminListOrdersQuerySchema }, async ({ query, event }) => ({
  status: 200,
  body: await readOrdersAsAdmin(deps, auditActorOf(event), query),
  headers: { 'Cache-Control': 'no-store' },
}));
