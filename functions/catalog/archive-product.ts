import { archiveProduct } from '../../shared/domain/catalog/catalog';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { ProductIdPathSchema } from '../../shared/schemas/catalog';
import { productDeps } from './root';

const catalog = productDeps();

/** DELETE /vendor/products/{productId}: the owning vendor archives the product. */
export const handler = httpHandler({ path: ProductIdPathSchema }, async ({ path, event }) => ({
  status: 200,
  body: await archiveProduct(catalog, principalOf(event).sub, path.productId),
}));
