import type { CursorCodec } from '../../ports/cursor-codec';
import type { VendorOrderRepository } from '../../ports/vendor-order-repository';
import { listPage, type ListPage } from '../listing';
import type { StoredVendorOrder, VendorOrder } from '../model/order';

/** A vendor's part of an order: its own lines and their total, and where and how to ship them; nothing else of the customer. */
export function vendorOrderView(order: StoredVendorOrder): VendorOrder {
  const currency = order.lines[0]?.lineTotal.currency ?? '';
  return {
    orderId: order.orderId,
    status: order.status,
    lines: order.lines,
    total: { amount: order.lines.reduce((sum, line) => sum + line.lineTotal.amount, 0), currency },
    ...(order.shipping ? { shipping: { address: order.shipping.address, option: order.shipping.option } } : {}),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/**
 * The orders holding the calling vendor's SKUs, newest first, each with that vendor's lines only (GET
 * /vendor/orders). The cursor is signed for this vendor's listing: another vendor's cursor, or one of another
 * listing, is a 400.
 */
export async function listVendorOrders(
  deps: { vendorOrders: VendorOrderRepository; cursors: CursorCodec },
  vendorId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<ListPage<VendorOrder>> {
  return listPage(
    deps.cursors,
    { scope: `vendor-orders|${vendorId}`, cursor: query.cursor },
    (after) => deps.vendorOrders.listByVendor(vendorId, { limit: query.limit, ...(after ? { after } : {}) }),
    vendorOrderView,
  );
}
