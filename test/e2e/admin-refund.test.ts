import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { apiCaller } from '../support/api';
import { auditUntil } from '../support/audit-pages';
import { stripeClient, testEndpoints } from '../support/endpoints';
import { runtimeStores } from '../support/runtime-stores';
import { cognitoClient, signIn } from '../support/identity';
import { paidConfirmedOrder } from '../support/order-builders';

/** POST /admin/orders/{orderId}/refund over HTTP: partial and full refunds through Stripe, each once, audited. */
describe('admin refunds, end to end', () => {
  const endpoints = testEndpoints();
  const { apiUrl } = endpoints;
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const stripe = stripeClient(endpoints);
  const { dynamodb, orders, ledger } = runtimeStores(endpoints);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  let admin = '';
  let customer = '';
  let sku = '';
  let productId = '';
  let vendorId = '';

  const call = apiCaller(apiUrl);

  beforeAll(async () => {
    const client = cognitoClient();
    admin = await signIn(client, users.admin);
    customer = await signIn(client, users.customer);
    const vendor = await signIn(client, users.vendor);
    client.destroy();
    sku = `PLATTER-${tag}`;
    const created = await call('POST', '/vendor/products', vendor, {
      name: `Platter ${tag}`,
      description: 'Stoneware',
      skus: [{ sku, name: 'Large', price: { amount: 4000, currency: 'EUR' }, initialStock: 20 }],
    });
    expect(created.status).toBe(201);
    productId = String(created.body.productId);
    vendorId = String(created.body.vendorId);
  });
  afterAll(() => dynamodb.destroy());

  /** A paid CONFIRMED order for 2 x 4000. */
  async function paidOrder(): Promise<{ orderId: string; paymentIntentId: string }> {
    const { order, paymentIntentId } = await paidConfirmedOrder(
      { orders, ledger, stripe },
      { customerId: `refund-${tag}`, sku, productId, vendorId, unitAmount: 4000, quantity: 2 },
    );
    return { orderId: order.orderId, paymentIntentId };
  }
  const amountRefunded = async (paymentIntentId: string) =>
    (await stripe.charges.retrieve((await stripe.paymentIntents.retrieve(paymentIntentId)).latest_charge as string)).amount_refunded;

  it('a partial refund sent twice at once refunds once; the rest makes the order REFUNDED; a third is 409', async () => {
    const { orderId, paymentIntentId } = await paidOrder();
    const path = `/admin/orders/${orderId}/refund`;
    const [a, b] = await Promise.all([
      call('POST', path, admin, { amount: 1500, reason: 'one chipped' }),
      call('POST', path, admin, { amount: 1500, reason: 'one chipped' }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body).toMatchObject({ status: 'CONFIRMED', refunded: { amount: 1500, currency: 'EUR' }, payment: { status: 'partially_refunded' } });
    expect(await amountRefunded(paymentIntentId)).toBe(1500);

    const rest = await call('POST', path, admin, { reason: 'order returned' });
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ status: 'REFUNDED', refunded: { amount: 8000 }, payment: { status: 'refunded' } });
    expect(await amountRefunded(paymentIntentId)).toBe(8000);
    expect((await call('POST', path, admin, { amount: 1, reason: 'once more' })).status).toBe(409);

    const audit = await auditUntil(call, admin, (read) => read.filter((e) => e.target === `order:${orderId}`).length >= 4);
    const ours = audit.filter((e) => e.target === `order:${orderId}`);
    expect(ours.map((e) => e.outcome).sort()).toEqual(['denied', 'succeeded', 'succeeded', 'succeeded']);
    expect(ours.find((e) => String(e.detail).includes('order returned'))).toMatchObject({
      action: 'order.refund',
      actor: expect.any(String),
      outcome: 'succeeded',
      // Money as money in the words, minor units beside them, through the audit table and back.
      detail: expect.stringMatching(/^65\.00 EUR of 80\.00 EUR: order returned \(refund re_\w+, succeeded\)$/),
      amounts: { refund: { amount: 6500, currency: 'EUR' }, orderTotal: { amount: 8000, currency: 'EUR' }, refundable: { amount: 6500, currency: 'EUR' } },
    });
  }, 60_000);

  it('refuses more than remains (422), bad input (400) and non-admins (403), refunding nothing', async () => {
    const { orderId, paymentIntentId } = await paidOrder();
    const path = `/admin/orders/${orderId}/refund`;
    expect((await call('POST', path, admin, { amount: 8001, reason: 'too much' })).status).toBe(422);
    expect((await call('POST', path, admin, { amount: 10 })).status).toBe(400);
    expect((await call('POST', path, admin, { amount: 10.5, reason: 'fraction' })).status).toBe(400);
    expect((await call('POST', path, customer, { amount: 10, reason: 'self-service' })).status).toBe(403);
    expect((await call('POST', `/admin/orders/${ulid()}/refund`, admin, { reason: 'no such order' })).status).toBe(404);
    expect(await amountRefunded(paymentIntentId)).toBe(0);
  }, 60_000);

  it('a refund made in the Stripe dashboard reaches its order through the refund event, once; in full it makes it REFUNDED', async () => {
    const { orderId, paymentIntentId } = await paidOrder();
    const until = async (done: (o: Awaited<ReturnType<typeof orders.get>>) => boolean) => {
      // Through the payment-events queue, whose single FIFO poller serves every suite: room for a busy runner.
      const deadline = Date.now() + 45_000;
      for (;;) {
        const order = await orders.get(orderId);
        if (done(order) || Date.now() > deadline) return order;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    // As an operator would in the dashboard: no metadata, so the order is found through the PaymentIntent.
    await stripe.refunds.create({ payment_intent: paymentIntentId, amount: 3000 });
    expect(await until((o) => o?.refundedAmount === 3000)).toMatchObject({
      status: 'CONFIRMED',
      refundedAmount: 3000,
      payment: { status: 'partially_refunded' },
    });
    await stripe.refunds.create({ payment_intent: paymentIntentId });
    expect(await until((o) => o?.status === 'REFUNDED')).toMatchObject({ status: 'REFUNDED', refundedAmount: 8000 });
    expect((await call('GET', `/admin/orders/${orderId}/refund`, admin)).status).not.toBe(200);
  }, 150_000);
});
