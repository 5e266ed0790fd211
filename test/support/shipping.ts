import { STAGE_DEFAULTS } from '../../lib/config/stages';
import { shippingCharge } from '../../shared/domain/orders/shipping';
import { DEMO_ADDRESS } from '../../local/demo/demo-address';

/**
 * An order's total in EUR minor units for `items` worth of items shipped to the demo customers' default address by
 * the dev stage's default option (lib/config/stages.ts): what checkout charges when its body names no shipping.
 */
export function totalWithDefaultShipping(items: number): number {
  return items + shippingCharge(STAGE_DEFAULTS.dev.shipping, { country: DEMO_ADDRESS.country, itemsTotal: { amount: items, currency: 'EUR' } }).amount.amount;
}
