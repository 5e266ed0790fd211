import { listVendorOrders } from '../../shared/domain/orders/vendor-orders';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { VendorListOrdersQuerySchema } from '../../shared/schemas/orders';
import { vendorOrderListingDeps } from './root';

const deps = vendorOrderListingDeps();

/** GET /vendor/orders: the orders holding the caller's SKUs, newest first, each with the caller's lines only. */
export const handler = httpHandler({ query: VendorListOrdersQuerySchema }, async ({ query, event }) => ({
  status: 200,
  body: await listVendorOrders(deps, principalOf(event).sub, query),
  headers: { 'Cache-Control': 'no-store' },
}));
