import type { AuditActor, AuditLog } from '../../ports/audit-log';
import type { CatalogRepository } from '../../ports/catalog-repository';
import type { Clock } from '../../ports/clock';
import type { IdGenerator } from '../../ports/id-generator';
import type { InventoryLedger } from '../../ports/inventory';
import { getProduct, type Product } from '../catalog/catalog';
import { ConflictError, NotFoundError } from '../errors';
import { originOf } from '../operations/audit-trail';

/** A vendor's stock change as asked for: exactly one of an absolute onHand or a delta, and why. */
export interface StockAdjustmentRequest {
  readonly sku: string;
  readonly onHand?: number | undefined;
  readonly delta?: number | undefined;
  readonly reason: string;
}

/**
 * A vendor changes the stock on hand of one of its own SKUs (POST /vendor/products/{productId}/stock). Another
 * vendor's product, or a SKU that is not the product's, is 404, as if it did not exist. The change goes through the
 * inventory ledger under the providers' conflict rules (decideAdjustment): never below what is reserved (409), and
 * not on a SKU an inventory provider feeds (409: the provider's reports decide its stock). Every attempt on the
 * vendor's own SKU is audited, applied or refused.
 */
export async function adjustStock(
  deps: { repository: CatalogRepository; ledger: InventoryLedger; audit: AuditLog; now: Clock; newId: IdGenerator },
  vendor: AuditActor,
  productId: string,
  request: StockAdjustmentRequest,
): Promise<Product> {
  const record = await deps.repository.get(productId);
  if (!record || record.product.vendorId !== vendor.sub) throw new NotFoundError(`Product ${productId} not found`);
  if (!record.product.skuCodes.includes(request.sku)) throw new NotFoundError(`SKU ${request.sku} not found in product ${productId}`);
  const change = request.onHand !== undefined ? { onHand: request.onHand } : { delta: request.delta ?? 0 };
  const asked = 'onHand' in change ? `onHand set to ${change.onHand}` : `onHand ${change.delta >= 0 ? '+' : ''}${change.delta}`;
  const at = deps.now().toISOString();
  const audit = (outcome: 'succeeded' | 'denied', detail: string) =>
    deps.audit.append({
      at,
      actor: vendor.sub,
      action: 'stock.adjust',
      target: `sku:${request.sku}`,
      outcome,
      detail: `${asked}: ${request.reason} (${detail})`,
      ...originOf(vendor),
    });
  const result = await deps.ledger.adjust({ adjustmentId: deps.newId(), vendorId: vendor.sub, sku: request.sku, change, reason: request.reason }, at);
  switch (result.kind) {
    case 'applied':
      await audit('succeeded', `${result.entry.before} -> ${result.entry.after}`);
      return getProduct(deps, productId);
    case 'below-reserved':
      await audit('denied', `${result.requested} is below the ${result.reserved} reserved`);
      throw new ConflictError(`SKU ${request.sku} cannot hold ${result.requested}: ${result.reserved} are reserved for orders`);
    case 'outranked':
      await audit('denied', `stock follows inventory provider ${result.by}`);
      throw new ConflictError(`The stock of SKU ${request.sku} follows inventory provider ${result.by}`);
    case 'unknown-sku':
      throw new NotFoundError(`SKU ${request.sku} not found in product ${productId}`);
  }
}
