import * as z from '../validation/zod';
import { ContactEmailSchema, ShippingAddressSchema, ShippingOptionIdSchema } from './address';
import { SkuCodeSchema } from './catalog';

/**
 * `{}` checks out the cart; `{ items }` names the lines. Quantities only: prices come from the catalog. The order ships
 * to `shippingAddress` (the caller's default address, PUT /me/address, without it), by `shippingOption` (the stage's
 * default without it), and `email` is its contact (the account's without it).
 */
export const CheckoutBodySchema = z.strictObject({
  items: z.optional(
    z.array(z.strictObject({ sku: SkuCodeSchema, quantity: z.number().check(z.int(), z.minimum(1), z.maximum(99)) })).check(z.minLength(1), z.maxLength(50)),
  ),
  shippingAddress: z.optional(ShippingAddressSchema),
  shippingOption: z.optional(ShippingOptionIdSchema),
  email: z.optional(ContactEmailSchema),
});
