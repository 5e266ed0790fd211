import { clearCart } from '../../shared/domain/cart/cart';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { cartDeps } from './root';

const deps = cartDeps();

/** DELETE /cart: empties the caller's cart. */
export const handler = httpHandler({}, async ({ event }) => {
  await clearCart(deps, principalOf(event).sub);
  return { status: 204 };
});
