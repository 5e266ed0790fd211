import { integerEnv, requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import type { CheckoutDeps } from '../../shared/domain/orders/checkout';
import { DEFAULT_HOLD_SECONDS } from '../../shared/domain/orders/saga';
import { ShippingRatesSchema } from '../../shared/domain/orders/shipping';
import { addressBook, cartRepository, catalogRepository, orderRepository, paymentRecords, providerHealth, vendorOrderRepository } from '../wiring/dynamodb';
import { inventoryProviders } from '../wiring/inventory-providers';
import { cursorCodec, newId, now } from '../wiring/platform';
import { orderWorkflow, waitingSteps } from '../wiring/step-functions';
import { paymentGateway } from '../wiring/stripe';

/**
 * The orders area's composition root (checkout, the order saga's steps, the order routes and the fulfilment hand-off):
 * what its handlers are wired with, once per cold start. Each export builds only the adapters it names, so a function
 * reads only the environment it was bound to and bundles only the SDKs it calls.
 */
export { now, newId } from '../wiring/platform';
export { auditLog, orderRepository, paymentRecords, stockLedger } from '../wiring/dynamodb';
export { paymentGateway } from '../wiring/stripe';
export { waitingSteps } from '../wiring/step-functions';
/** The mitigation switch checkout obeys (checkout-paused). */
export { switchReader } from '../wiring/switches';
export { orderEvents } from '../wiring/sqs';
export { fulfilmentProvider } from '../wiring/fulfilment';
export { idempotencyStore } from '../wiring/idempotency';

/** POST /checkout: the cart, the catalog and the providers' circuits (live-stock SKUs), and the saga it starts. */
export const checkoutDeps = (): CheckoutDeps => ({
  orders: orderRepository(),
  carts: cartRepository(),
  catalog: catalogRepository(),
  workflow: orderWorkflow(),
  now,
  newId,
  // Providers' circuits (PROVIDER#<id> / CIRCUIT items, written by the outbox relay) decide live-stock SKUs.
  liveStock: { providers: inventoryProviders(), health: providerHealth() },
  addresses: addressBook(),
  shipping: shippingRates(),
});

/** The stage's shipping options (SHIPPING_RATES, the stage's `shipping`); a bad value fails the cold start. */
export const shippingRates = () => ShippingRatesSchema.parse(JSON.parse(requiredEnv(ENV.SHIPPING_RATES)));

/** The customer's default shipping address (PUT and GET /me/address). */
export const addressBookDeps = () => ({ addresses: addressBook(), now });

/** How long a reservation holds stock (HOLD_SECONDS, the stage's `orders.holdSeconds`). */
export const holdSeconds = () => integerEnv(ENV.HOLD_SECONDS, DEFAULT_HOLD_SECONDS);

/** The caller's order listing, with cursors signed for them. */
export const orderListingDeps = () => ({ orders: orderRepository(), cursors: cursorCodec() });

/** The vendor's order listing (GET /vendor/orders): the vendor views only, with cursors signed for the vendor. */
export const vendorOrderListingDeps = () => ({ vendorOrders: vendorOrderRepository(), cursors: cursorCodec() });

/**
 * What reporting a payment's outcome needs (the single finalizer: webhook, poll and reconciliation all go through it):
 * the order, its payment record, the saga's waiting step and Stripe.
 */
export const paymentOutcomeDeps = () => ({ orders: orderRepository(), records: paymentRecords(), waits: waitingSteps(), payments: paymentGateway(), now });
