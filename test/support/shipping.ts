import { STAGE_DEFAULTS } from '../../lib/config/stages';
import { shippingCharge } from '../../shared/domain/orders/shipping';
import { DEMO_ADDRESS } from '../../local/demo/demo-address';
import type { ShippingAddress } from '../../shared/domain/model/shipping';

/**
 * An order's total in EUR minor units for `items` worth of items shipped to the demo customers' default address by
 * the dev stage's default option (lib/config/stages.ts): what checkout charges when its body names no shipping.
 */
export function totalWithDefaultShipping(items: number): number {
  return items + shippingCharge(STAGE_DEFAULTS.dev.shipping, { country: DEMO_ADDRESS.country, itemsTotal: { amount: items, currency: 'EUR' } }).amount.amount;
}

/** A US recipient (region required, a second line): the shipping e2e checks out to it with another contact e-mail. */
export const US_ADDRESS: ShippingAddress = {
  name: 'Sam Sample',
  line1: '1 Main Street',
  line2: 'Apt 4',
  city: 'Springfield',
  postalCode: '62704',
  region: 'IL',
  country: 'US',
};
