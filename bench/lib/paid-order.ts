import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type Stripe from 'stripe';
import type { apiCaller } from '../../local/clients/api-client';
import { PAST_AWAITING, waitForOrder } from './order-status';
import { DEMO_ADDRESS } from '../../local/demo/demo-address';

/** What a storefront's purchase goes through: the API, the Stripe stand-in, and a client that watches the orders table. */
export interface Storefront {
  readonly api: ReturnType<typeof apiCaller>;
  readonly stripe: Stripe;
  readonly ddb: DynamoDBClient;
  readonly ordersTable: string;
}

/** One line of a cart. */
export interface CartLine {
  readonly sku: string;
  readonly quantity: number;
}

/** One order paid and fulfilled, timed. */
export interface PaidOrder {
  readonly orderId: string;
  readonly checkoutToFulfilledMs: number;
  readonly confirmToFulfilledMs: number;
}

/**
 * Checkout, AWAITING_PAYMENT, the order read for its client secret, the payment confirmed, FULFILLED: as a storefront
 * does, for the customer whose access token this is. Returns the order's timings, or what went wrong.
 */
export async function checkoutAndPay(s: Storefront, customerToken: string, items: readonly CartLine[]): Promise<PaidOrder | { problem: string }> {
  const { api, ddb, ordersTable } = s;
  const started = performance.now();
  const accepted = await api('POST', '/checkout', customerToken, { items, shippingAddress: DEMO_ADDRESS }, { 'Idempotency-Key': `bench-paid-${randomUUID()}` });
  const orderId = accepted.body.orderId;
  if (accepted.status !== 202 || typeof orderId !== 'string')
    return { problem: `checkout answered ${accepted.status} ${JSON.stringify(accepted.body).slice(0, 200)}` };
  const awaiting = await waitForOrder(ddb, ordersTable, orderId, (st) => PAST_AWAITING.has(st), 30_000);
  if (awaiting !== 'AWAITING_PAYMENT') return { problem: `order ${orderId} reached ${awaiting ?? 'nothing'} instead of AWAITING_PAYMENT` };
  // What a storefront does next: read the order for the PaymentIntent's client secret, and confirm the payment.
  const order = await api('GET', `/orders/${orderId}`, customerToken);
  const payment = order.body.payment as { paymentIntentId?: string; clientSecret?: string } | undefined;
  if (order.status !== 200 || !payment?.paymentIntentId || !payment.clientSecret)
    return { problem: `GET /orders/${orderId} answered ${order.status} without a client secret` };
  const confirmAt = performance.now();
  await s.stripe.paymentIntents.confirm(payment.paymentIntentId, { payment_method: 'pm_card_visa' });
  const final = await waitForOrder(ddb, ordersTable, orderId, (st) => st === 'FULFILLED', 60_000);
  const done = performance.now();
  if (final !== 'FULFILLED') return { problem: `order ${orderId} ended ${final ?? 'nowhere'} instead of FULFILLED` };
  return { orderId, checkoutToFulfilledMs: done - started, confirmToFulfilledMs: done - confirmAt };
}
