import { createProduct } from '../../shared/domain/catalog/catalog';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { CreateProductBodySchema } from '../../shared/schemas/catalog';
import { catalogDeps } from './root';

const catalog = catalogDeps();

/** POST /vendor/products: the calling vendor lists a product with its SKUs and initial stock. */
export const handler = httpHandler({ body: CreateProductBodySchema }, async ({ body, event }) => {
  const product = await createProduct(catalog, principalOf(event).sub, body);
  return { status: 201, body: product, headers: { Location: `/products/${product.productId}` } };
});
