import type { CatalogDeps } from '../../shared/domain/catalog/catalog';
import { auditLog, catalogRepository, inventoryLedger } from '../wiring/dynamodb';
import { cursorCodec, newId, now } from '../wiring/platform';

/** The catalog area's composition root: what its handlers are wired with, once per cold start. */
export const catalogDeps = (): CatalogDeps => ({ repository: catalogRepository(), now, newId });

/** Reading, changing and archiving a product: no identifiers are made, so no id generator (nor ulid) is bundled. */
export const productDeps = (): Pick<CatalogDeps, 'repository' | 'now'> => ({ repository: catalogRepository(), now });

/** The product listing: the catalog and the cursor signing key (only GET /products is bound to it). */
export const productListingDeps = () => ({ repository: catalogRepository(), cursors: cursorCodec() });

/** A vendor's stock adjustment: the catalog, the inventory ledger it goes through and the audit trail. */
export const stockAdjustmentDeps = () => ({ repository: catalogRepository(), ledger: inventoryLedger(), audit: auditLog(), now, newId });
