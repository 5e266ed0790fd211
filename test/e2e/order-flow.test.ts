import { randomBytes, randomUUID } from 'node:crypto';
import { apiCaller } from '../support/api';
import { stripeClient, testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';

type Json = Record<string, unknown>;
interface OrderBody extends Json {
  orderId: string;
  status: string;
  payment?: { paymentIntentId: string; clientSecret?: string; status: string };
  failureReason?: string;
}

/**
 * The whole purchase over HTTP, as a storefront does it: sign in, browse, fill a cart, check out, pay by confirming
 * the PaymentIntent with the real Stripe SDK against the stand-in (which sends the signed webhook), and watch the
 * order reach CONFIRMED then FULFILLED with the stock committed; a declined card ends FAILED with the stock back.
 */
describe('checkout to a paid, fulfilled order, end to end', () => {
  const endpoints = testEndpoints();
  const { apiUrl } = endpoints;
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const stripe = stripeClient(endpoints);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const sku = `VASE-${tag}`;
  let customer = '';
  let otherCustomer = '';
  let productId = '';

  beforeAll(async () => {
    const client = cognitoClient();
    const vendor = await signIn(client, users.vendor);
    customer = (await newCustomer(client, 'order-flow')).accessToken;
    otherCustomer = (await newCustomer(client, 'order-peek')).accessToken;
    client.destroy();
    const created = await call('POST', '/vendor/products', vendor, {
      name: `Bud vase ${tag}`,
      description: 'Celadon glaze',
      skus: [{ sku, name: 'One size', price: { amount: 2900, currency: 'EUR' }, initialStock: 10 }],
    });
    expect(created.status).toBe(201);
    productId = String(created.body.productId);
  });

  const call = apiCaller(apiUrl);
  const checkout = (body: unknown, key: string = randomUUID(), token = customer) => call('POST', '/checkout', token, body, { 'Idempotency-Key': key });
  const available = async () => ((await call('GET', `/products/${productId}`)).body.skus as Array<{ available: number }>)[0]?.available;

  /** Polls the order until `done` holds (bounded), returning the last read. */
  async function orderUntil(orderId: string, done: (o: OrderBody) => boolean, timeoutMs = 30_000): Promise<OrderBody> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = (await call('GET', `/orders/${orderId}`, customer)).body as OrderBody;
      if (done(order) || Date.now() > deadline) return order;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('browse, cart, checkout, pay: the order is CONFIRMED then FULFILLED and the stock is committed', async () => {
    const listed = await call('GET', `/products?q=${encodeURIComponent(`bud vase ${tag.toLowerCase()}`)}`);
    expect((listed.body.items as Json[]).map((p) => p.productId)).toEqual([productId]);
    expect((await call('PUT', `/cart/items/${sku}`, customer, { quantity: 3 })).status).toBe(200);

    const accepted = await checkout({});
    expect(accepted.status).toBe(202);
    const { orderId } = accepted.body as { orderId: string };
    expect(accepted.headers.get('location')).toBe(`/orders/${orderId}`);
    expect(accepted.body.status).toBe('PENDING');
    expect((await call('GET', '/cart', customer)).body.items).toEqual([]);

    const awaiting = await orderUntil(orderId, (o) => o.status === 'AWAITING_PAYMENT');
    expect(awaiting).toMatchObject({
      status: 'AWAITING_PAYMENT',
      total: { amount: 8700, currency: 'EUR' },
      lines: [{ sku, quantity: 3, unitPrice: { amount: 2900, currency: 'EUR' }, lineTotal: { amount: 8700 } }],
    });
    expect(awaiting.payment?.clientSecret).toMatch(/^pi_.+_secret_/);
    expect(await available()).toBe(7);
    // Someone else's order does not exist for them.
    expect((await call('GET', `/orders/${orderId}`, otherCustomer)).status).toBe(404);

    const paymentIntentId = awaiting.payment?.paymentIntentId as string;
    const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
    expect(intent).toMatchObject({ amount: 8700, currency: 'eur', metadata: { orderId } });
    await stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });

    const fulfilled = await orderUntil(orderId, (o) => o.status === 'FULFILLED' || o.status === 'FAILED');
    expect(fulfilled.status).toBe('FULFILLED');
    expect(fulfilled.payment).toEqual({ provider: 'stripe', paymentIntentId, status: 'succeeded' });
    expect(fulfilled.payment?.clientSecret).toBeUndefined();
    expect(await available()).toBe(7);

    const fulfilment = endpoints.fulfilment as NonNullable<typeof endpoints.fulfilment>;
    const shipments = (await (await fetch(new URL('shipments', fulfilment.url), { headers: { authorization: `Bearer ${fulfilment.apiKey}` } })).json()) as {
      items: Array<{ orderId: string; lines: Json[] }>;
    };
    expect(shipments.items.filter((s) => s.orderId === orderId)).toEqual([
      expect.objectContaining({ orderId, lines: [{ sku, quantity: 3, vendorId: expect.any(String) }] }),
    ]);
  }, 90_000);

  it('a declined card ends the order FAILED with the reason, the PaymentIntent canceled and the stock back', async () => {
    const before = await available();
    const accepted = await checkout({ items: [{ sku, quantity: 2 }] });
    expect(accepted.status).toBe(202);
    const { orderId } = accepted.body as { orderId: string };
    const awaiting = await orderUntil(orderId, (o) => o.status === 'AWAITING_PAYMENT');
    expect(await available()).toBe((before as number) - 2);

    const paymentIntentId = awaiting.payment?.paymentIntentId as string;
    await expect(stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_chargeDeclined' })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });

    const failed = await orderUntil(orderId, (o) => o.status === 'FAILED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: expect.stringContaining('declined') });
    expect(failed.payment?.status).toBe('canceled');
    expect(failed.payment?.clientSecret).toBeUndefined();
    expect((await stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('canceled');
    expect(await available()).toBe(before);
  }, 90_000);

  it("lists the caller's own orders, newest first", async () => {
    const listed = await call('GET', '/orders?limit=10', customer);
    expect(listed.status).toBe(200);
    expect((listed.body.items as OrderBody[]).map((o) => o.status)).toEqual(['FAILED', 'FULFILLED']);
    expect(((await call('GET', '/orders', otherCustomer)).body.items as Json[]).length).toBe(0);
  }, 30_000);

  it('refuses checkout without an Idempotency-Key, with unknown fields, client prices, or more than is in stock', async () => {
    const missing = await call('POST', '/checkout', customer, {});
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect((await checkout({}, 'short')).status).toBe(400);
    expect((await checkout({ items: [{ sku, quantity: 1, unitPrice: { amount: 1, currency: 'EUR' } }] })).status).toBe(400);
    expect((await checkout({ items: [{ sku, quantity: 0 }] })).status).toBe(400);
    const tooMany = await checkout({ items: [{ sku, quantity: 99 }] });
    expect(tooMany.status).toBe(409);
    expect((await checkout({ items: [{ sku: `NOPE-${tag}`, quantity: 1 }] })).status).toBe(422);
    expect((await checkout({})).status).toBe(422);
    expect((await call('POST', '/checkout', undefined, {}, { 'Idempotency-Key': randomUUID() })).status).toBe(401);
    // Nothing of that created an order.
    expect(((await call('GET', '/orders', customer)).body.items as Json[]).length).toBe(2);
  }, 60_000);
});
