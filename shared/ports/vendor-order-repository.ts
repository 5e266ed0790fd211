import type { StoredVendorOrder } from '../domain/model/order';
import type { ListPosition, PositionedPage } from './cursor-codec';

/** The orders' per-vendor views (docs/data-model.md, "vendor view of an order"), read by vendor. */
export interface VendorOrderRepository {
  /** One page of the orders holding the vendor's lines, newest first, each with that vendor's lines only. */
  listByVendor(vendorId: string, query: { limit: number; after?: ListPosition }): Promise<PositionedPage<StoredVendorOrder>>;
}
