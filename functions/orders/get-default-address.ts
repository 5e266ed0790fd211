import { getDefaultAddress } from '../../shared/domain/orders/default-address';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { addressBookDeps } from './root';

const deps = addressBookDeps();

/** GET /me/address: the caller's default shipping address (404 when none is saved). */
export const handler = httpHandler({}, async ({ event }) => ({
  status: 200,
  body: await getDefaultAddress(deps, principalOf(event).sub),
  headers: { 'Cache-Control': 'no-store' },
}));
