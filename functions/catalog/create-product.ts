import { createVendorProduct } from '../../shared/domain/catalog/vendor-products';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { CreateProductBodySchema } from '../../shared/schemas/catalog';
import { catalogDeps } from './root';

const catalog = catalogDeps();

/** POST /vendor/products: the calling vendor lists a product with its SKUs and initial stock. Audited. */
export const handler = httpHandler({ body: CreateProductBodySchema }, async ({ body, event }) => {
  const product = await createVendorProduct(catalog, auditActorOf(event), body);
  return { status: 201, body: product, headers: { Location: `/products/${product.productId}` } };
});
