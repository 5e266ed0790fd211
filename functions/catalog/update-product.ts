import { updateVendorProduct } from '../../shared/domain/catalog/vendor-products';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { ProductIdPathSchema, UpdateProductBodySchema } from '../../shared/schemas/catalog';
import { productChangeDeps } from './root';

const catalog = productChangeDeps();

/** PATCH /vendor/products/{productId}: the owning vendor changes names, description or prices. Audited. */
export const handler = httpHandler({ path: ProductIdPathSchema, body: UpdateProductBodySchema }, async ({ path, body, event }) => ({
  status: 200,
  body: await updateVendorProduct(catalog, auditActorOf(event), path.productId, body),
}));
