import { randomBytes, randomUUID } from 'node:crypto';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { apiCaller } from '../support/api';
import { localCredentials, stripeClient, testEndpoints } from '../support/endpoints';
import { runtimeStores } from '../support/runtime-stores';
import { cognitoClient, newCustomer, signIn } from '../support/identity';
import { paidConfirmedOrder } from '../support/order-builders';

type Json = Record<string, unknown>;

/**
 * POST /orders/{orderId}/cancel over HTTP: before fulfilment the owner gets the stock back and the payment canceled
 * or refunded, and a saga waiting for the payment ends; after fulfilment it is a 409; others' orders are 404.
 */
describe('cancelling an order, end to end', () => {
  const endpoints = testEndpoints();
  const { apiUrl } = endpoints;
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const stripe = stripeClient(endpoints);
  const { dynamodb, orders, ledger } = runtimeStores(endpoints);
  const sfn = new SFNClient({ endpoint: endpoints.aws.stepFunctions, region: endpoints.region, credentials: localCredentials });
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const sku = `JUG-${tag}`;
  let customer = '';
  let admin = '';
  let customerId = '';
  let other = '';
  let productId = '';
  let vendorId = '';

  afterAll(() => {
    dynamodb.destroy();
    sfn.destroy();
  });

  const call = apiCaller(apiUrl);
  const available = async () => ((await call('GET', `/products/${productId}`)).body.skus as Array<{ available: number }>)[0]?.available;

  beforeAll(async () => {
    const client = cognitoClient();
    const vendor = await signIn(client, users.vendor);
    admin = await signIn(client, users.admin);
    customer = (await newCustomer(client, 'cancel')).accessToken;
    other = (await newCustomer(client, 'cancel-peek')).accessToken;
    client.destroy();
    customerId = String((await call('GET', '/me', customer)).body.sub);
    const created = await call('POST', '/vendor/products', vendor, {
      name: `Milk jug ${tag}`,
      description: 'Porcelain',
      skus: [{ sku, name: 'Half litre', price: { amount: 2200, currency: 'EUR' }, initialStock: 5 }],
    });
    expect(created.status).toBe(201);
    productId = String(created.body.productId);
    vendorId = String(created.body.vendorId);
  });

  async function orderUntil(orderId: string, status: string): Promise<Json> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const order = (await call('GET', `/orders/${orderId}`, customer)).body;
      if (order.status === status || Date.now() > deadline) return order;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('awaiting payment: 200 CANCELLED, stock released, PaymentIntent canceled, the saga ends; again is 200, others get 404', async () => {
    const accepted = await call('POST', '/checkout', customer, { items: [{ sku, quantity: 2 }] }, { 'Idempotency-Key': randomUUID() });
    expect(accepted.status).toBe(202);
    const orderId = String(accepted.body.orderId);
    const awaiting = await orderUntil(orderId, 'AWAITING_PAYMENT');
    expect(await available()).toBe(3);
    const paymentIntentId = (awaiting.payment as { paymentIntentId: string }).paymentIntentId;

    expect((await call('POST', `/orders/${orderId}/cancel`, other)).status).toBe(404);
    const cancelled = await call('POST', `/orders/${orderId}/cancel`, customer);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ orderId, status: 'CANCELLED', payment: { paymentIntentId, status: 'canceled' } });
    expect((cancelled.body.payment as Json).clientSecret).toBeUndefined();
    expect(await available()).toBe(5);
    expect((await stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('canceled');
    expect((await call('POST', `/orders/${orderId}/cancel`, customer)).body.status).toBe('CANCELLED');

    const executionArn = `${endpoints.stateMachines[Object.keys(endpoints.stateMachines)[0] as string]?.replace(':stateMachine:', ':execution:')}:${orderId}`;
    const deadline = Date.now() + 15_000;
    let status = 'RUNNING';
    while (status === 'RUNNING' && Date.now() < deadline) {
      status = (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? 'RUNNING';
      if (status === 'RUNNING') await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe('SUCCEEDED');
    expect(await available()).toBe(5);
    expect((await orders.get(orderId))?.status).toBe('CANCELLED');
  }, 60_000);

  /** A paid, CONFIRMED order of the customer's (caught before the fulfilment hand-off by building it in the tables). */
  const confirmedOrder = (quantity: number) =>
    paidConfirmedOrder({ orders, ledger, stripe }, { customerId, sku, productId, vendorId, unitAmount: 2200, quantity });

  it('confirmed: 200 CANCELLED, the sold units back on hand, the payment refunded once', async () => {
    const before = await available();
    const { order, paymentIntentId } = await confirmedOrder(1);
    expect(await available()).toBe((before as number) - 1);
    const [first, second] = await Promise.all([
      call('POST', `/orders/${order.orderId}/cancel`, customer),
      call('POST', `/orders/${order.orderId}/cancel`, customer),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const final = (await call('GET', `/orders/${order.orderId}`, customer)).body;
    expect(final).toMatchObject({ status: 'CANCELLED', payment: { status: 'refunded' } });
    expect(await available()).toBe(before);
    const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ refunded: true, amount_refunded: 2200 });
  }, 60_000);

  it('fulfilled: 409, and nothing changes', async () => {
    const { order, paymentIntentId } = await confirmedOrder(1);
    await orders.transition(order.orderId, { from: ['CONFIRMED'], to: 'FULFILLED', at: new Date().toISOString() });
    const stockBefore = await available();
    const refused = await call('POST', `/orders/${order.orderId}/cancel`, customer);
    expect(refused.status).toBe(409);
    expect(await available()).toBe(stockBefore);
    const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
    expect((await stripe.charges.retrieve(intent.latest_charge as string)).refunded).toBe(false);
  }, 60_000);

  it('cancelling a confirmed order while an admin refunds it twice at once refunds the payment exactly once', async () => {
    const before = await available();
    const { order, paymentIntentId } = await confirmedOrder(2);
    const [cancelled, ...refunds] = await Promise.all([
      call('POST', `/orders/${order.orderId}/cancel`, customer),
      call('POST', `/admin/orders/${order.orderId}/refund`, admin, { reason: 'customer asked twice' }),
      call('POST', `/admin/orders/${order.orderId}/refund`, admin, { reason: 'customer asked twice' }),
    ]);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    // An admin refund either won the race (200) or found nothing left to refund (409 cancelled / 422 refunded).
    for (const r of refunds) expect([200, 409, 422]).toContain(r.status);
    const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ refunded: true, amount_refunded: 4400 });
    expect(await available()).toBe(before);
  }, 60_000);
});
