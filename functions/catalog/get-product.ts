import { getProduct } from '../../shared/domain/catalog/catalog';
import { httpHandler } from '../../shared/http/http-handler';
import { ProductIdPathSchema } from '../../shared/schemas/catalog';
import { productDeps } from './root';

const catalog = productDeps();

/** GET /products/{productId}. */
export const handler = httpHandler({ path: ProductIdPathSchema }, async ({ path }) => ({ status: 200, body: await getProduct(catalog, path.productId) }));
