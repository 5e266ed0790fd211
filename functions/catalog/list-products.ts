import { listProducts } from '../../shared/domain/catalog/catalog';
import { httpHandler } from '../../shared/http/http-handler';
import { ListProductsQuerySchema } from '../../shared/schemas/catalog';
import { catalogCachePolicy } from '../wiring/http-cache';
import { productListingDeps } from './root';

const deps = productListingDeps();
const cache = catalogCachePolicy();

/**
 * GET /products: active products, newest first, with a signed cursor. The same for every caller, so cacheable for
 * the stage's catalog TTL, with an ETag (304 on If-None-Match).
 */
export const handler = httpHandler({ query: ListProductsQuerySchema }, async ({ query }) => ({
  status: 200,
  body: await listProducts(deps, query),
  cache,
}));
