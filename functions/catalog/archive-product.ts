import { archiveVendorProduct } from '../../shared/domain/catalog/vendor-products';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { ProductIdPathSchema } from '../../shared/schemas/catalog';
import { productChangeDeps } from './root';

const catalog = productChangeDeps();

/** DELETE /vendor/products/{productId}: the owning vendor archives the product. Audited. */
export const handler = httpHandler({ path: ProductIdPathSchema }, async ({ path, event }) => ({
  status: 200,
  body: await archiveVendorProduct(catalog, auditActorOf(event), path.productId),
}));
