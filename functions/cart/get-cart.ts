import { getCart } from '../../shared/domain/cart/cart';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { cartDeps } from './root';

const deps = cartDeps();

/** GET /cart: the caller's cart, priced from the catalog now. */
export const handler = httpHandler({}, async ({ event }) => ({
  status: 200,
  body: await getCart(deps, principalOf(event).sub),
  headers: { 'Cache-Control': 'no-store' },
}));
