import { adjustStock } from '../../shared/domain/inventory/adjust-stock';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { AdjustStockBodySchema, ProductIdPathSchema } from '../../shared/schemas/catalog';
import { stockAdjustmentDeps } from './root';

const deps = stockAdjustmentDeps();

/** POST /vendor/products/{productId}/stock { sku, onHand | delta, reason }: the vendor's own SKU, via the ledger, audited. */
export const handler = httpHandler({ path: ProductIdPathSchema, body: AdjustStockBodySchema }, async ({ path, body, event }) => {
  const product = await adjustStock(deps, auditActorOf(event), path.productId, body);
  return { status: 200, body: product, headers: { 'Cache-Control': 'no-store' } };
});
