import type { CatalogDeps } from '../../shared/domain/catalog/catalog';
import type { AuditedCatalogDeps } from '../../shared/domain/catalog/vendor-products';
import { auditLog, catalogRepository, inventoryLedger } from '../wiring/dynamodb';
import { cursorCodec, newId, now } from '../wiring/platform';

/**
 * The catalog area's composition root: what its handlers are wired with, once per cold start. A vendor's new products
 * (one or a batch) are audited: the catalog, ids, and the audit trail.
 */
export const catalogDeps = (): AuditedCatalogDeps => ({ repository: catalogRepository(), now, newId, audit: auditLog() });

/** Reading, changing and archiving a product: no identifiers are made, so no id generator (nor ulid) is bundled. */
export const productDeps = (): Pick<CatalogDeps, 'repository' | 'now'> => ({ repository: catalogRepository(), now });

/** A vendor's change or archive of a product: the catalog and the audit trail. */
export const productChangeDeps = () => ({ repository: catalogRepository(), now, audit: auditLog() });

/** The product listing: the catalog and the cursor signing key (only GET /products is bound to it). */
export const productListingDeps = () => ({ repository: catalogRepository(), cursors: cursorCodec() });

/** A vendor's stock adjustment: the catalog, the inventory ledger it goes through and the audit trail. */
export const stockAdjustmentDeps = () => ({ repository: catalogRepository(), ledger: inventoryLedger(), audit: auditLog(), now, newId });
