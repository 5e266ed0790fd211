import { setCartItem } from '../../shared/domain/cart/cart';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { CartItemBodySchema, SkuPathSchema } from '../../shared/schemas/cart';
import { cartDeps } from './root';

const deps = cartDeps();

/** PUT /cart/items/{sku} { quantity }: sets a line of the caller's cart. */
export const handler = httpHandler({ path: SkuPathSchema, body: CartItemBodySchema }, async ({ path, body, event }) => ({
  status: 200,
  body: await setCartItem(deps, principalOf(event).sub, path.sku, body.quantity),
}));
