import type { AuditActor, AuditLog } from '../../ports/audit-log';
import type { DomainError } from '../errors';
import { audited } from '../operations/audit-trail';
import {
  archiveProduct,
  type BatchProductOutcome,
  type CatalogDeps,
  createProduct,
  createProducts,
  type NewProduct,
  type Product,
  type ProductPatch,
  updateProduct,
} from './catalog';

/**
 * A vendor's product changes over the API, each audited as the vendor (docs/privacy.md, "What is audited"): what the
 * catalog use cases do, with the outcome, the vendor's sub, source IP and request id in the trail. Refusals (someone
 * else's product, an archived one, a taken SKU) are audited as denied.
 */
export type AuditedCatalogDeps = CatalogDeps & { readonly audit: AuditLog };

/** POST /vendor/products: `product.create`, target the new product (the vendor when refused), with its SKU codes. */
export function createVendorProduct(deps: AuditedCatalogDeps, vendor: AuditActor, input: NewProduct): Promise<Product> {
  return audited(
    deps,
    vendor,
    {
      action: 'product.create',
      target: { refused: `vendor:${vendor.sub}`, of: (p) => `product:${p.productId}` },
      detail: (p) => `SKUs ${p.skus.map((s) => s.sku).join(', ')}`,
    },
    () => createProduct(deps, vendor.sub, input),
  );
}

/**
 * POST /vendor/products/batch: ONE `product.create-batch` event per batch (up to 100 products), target the vendor,
 * with the counts, the ids created and the indexes refused: a catalog import is one act, and one entry per product
 * would make an import of 100 products 100 chained appends. `succeeded` when the batch ran (whatever it refused).
 */
export function createVendorProducts(
  deps: AuditedCatalogDeps,
  vendor: AuditActor,
  items: ReadonlyArray<NewProduct | DomainError>,
): Promise<BatchProductOutcome[]> {
  return audited(deps, vendor, { action: 'product.create-batch', target: `vendor:${vendor.sub}`, detail: (outcomes) => describeBatch(outcomes) }, () =>
    createProducts(deps, vendor.sub, items),
  );
}

/** PATCH /vendor/products/{productId}: `product.update`, with the names of the fields changed. */
export function updateVendorProduct(
  deps: Pick<AuditedCatalogDeps, 'repository' | 'now' | 'audit'>,
  vendor: AuditActor,
  productId: string,
  patch: ProductPatch,
): Promise<Product> {
  const changed = [
    ...(patch.name !== undefined ? ['name'] : []),
    ...(patch.description !== undefined ? ['description'] : []),
    ...(patch.skus ?? []).map((s) => `sku ${s.sku} (${[...(s.name !== undefined ? ['name'] : []), ...(s.price ? ['price'] : [])].join(', ')})`),
  ];
  return audited(deps, vendor, { action: 'product.update', target: `product:${productId}`, detail: () => `changed: ${changed.join('; ') || 'nothing'}` }, () =>
    updateProduct(deps, vendor.sub, productId, patch),
  );
}

/** DELETE /vendor/products/{productId}: `product.archive` (archiving twice is audited twice, both succeeded). */
export function archiveVendorProduct(deps: Pick<AuditedCatalogDeps, 'repository' | 'now' | 'audit'>, vendor: AuditActor, productId: string): Promise<Product> {
  return audited(deps, vendor, { action: 'product.archive', target: `product:${productId}` }, () => archiveProduct(deps, vendor.sub, productId));
}

function describeBatch(outcomes: readonly BatchProductOutcome[]): string {
  const created = outcomes.flatMap((o) => ('product' in o ? [`product:${o.product.productId}`] : []));
  const refused = outcomes.flatMap((o) => ('error' in o ? [`#${o.index} ${o.error.name}`] : []));
  return [
    `${created.length} of ${outcomes.length} created${created.length > 0 ? `: ${created.join(', ')}` : ''}`,
    ...(refused.length > 0 ? [`refused: ${refused.join(', ')}`] : []),
  ].join('; ');
}
