import { getProduct } from '../../shared/domain/catalog/catalog';
import { httpHandler } from '../../shared/http/http-handler';
import { ProductIdPathSchema } from '../../shared/schemas/catalog';
import { catalogCachePolicy } from '../wiring/http-cache';
import { productDeps } from './root';

const catalog = productDeps();
const cache = catalogCachePolicy();

/** GET /products/{productId}: public, so cacheable for the stage's catalog TTL, with an ETag (304 on If-None-Match). */
export const handler = httpHandler({ path: ProductIdPathSchema }, async ({ path }) => ({
  status: 200,
  body: await getProduct(catalog, path.productId),
  cache,
}));
