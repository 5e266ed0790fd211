import { saveDefaultAddress } from '../../shared/domain/orders/default-address';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { ShippingAddressSchema } from '../../shared/schemas/address';
import { addressBookDeps } from './root';

const deps = addressBookDeps();

/** PUT /me/address: saves the caller's default shipping address (checkout uses it when its body names none). */
export const handler = httpHandler({ body: ShippingAddressSchema }, async ({ body, event }) => ({
  status: 200,
  body: await saveDefaultAddress(deps, principalOf(event).sub, body),
  headers: { 'Cache-Control': 'no-store' },
}));
