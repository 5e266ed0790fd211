import { updateProduct } from '../../shared/domain/catalog/catalog';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { ProductIdPathSchema, UpdateProductBodySchema } from '../../shared/schemas/catalog';
import { productDeps } from './root';

const catalog = productDeps();

/** PATCH /vendor/products/{productId}: the owning vendor changes names, description or prices. */
export const handler = httpHandler({ path: ProductIdPathSchema, body: UpdateProductBodySchema }, async ({ path, body, event }) => ({
  status: 200,
  body: await updateProduct(catalog, principalOf(event).sub, path.productId, body),
}));
