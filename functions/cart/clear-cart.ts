import { clearCart } from '../../shared/domain/cart/cart';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { cartDeps } from './cart-deps';

/** DELETE /cart: empties the caller's cart. */
export const handler = httpHandler({}, async ({ event }) => {
  await clearCart(cartDeps, principalOf(event).sub);
  return { status: 204 };
});
