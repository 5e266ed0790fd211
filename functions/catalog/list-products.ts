import { listProducts } from '../../shared/domain/catalog/catalog';
import { httpHandler } from '../../shared/http/http-handler';
import { ListProductsQuerySchema } from '../../shared/schemas/catalog';
import { productListingDeps } from './root';

const deps = productListingDeps();

/** GET /products: active products, newest first, with a signed cursor. */
export const handler = httpHandler({ query: ListProductsQuerySchema }, async ({ query }) => ({
  status: 200,
  body: await listProducts(deps, query),
}));
