import { removeCartItem } from '../../shared/domain/cart/cart';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { SkuPathSchema } from '../../shared/schemas/cart';
import { cartDeps } from './root';

const deps = cartDeps();

/** DELETE /cart/items/{sku}: removes a line of the caller's cart. */
export const handler = httpHandler({ path: SkuPathSchema }, async ({ path, event }) => ({
  status: 200,
  body: await removeCartItem(deps, principalOf(event).sub, path.sku),
}));
