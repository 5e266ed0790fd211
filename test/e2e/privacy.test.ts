import { randomBytes, randomUUID } from 'node:crypto';
import { DEMO_ADDRESS } from '../../local/demo/demo-address';
import { apiCaller } from '../support/api';
import { stripeClient, testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';
import { until } from '../support/until';

type Json = Record<string, unknown>;

/**
 * Export and erasure of a shopper's data (issue 15, "Done when"; docs/privacy.md), over HTTP against the local runtime:
 * a customer buys, exports (the order and their e-mail are there), erases; sign-in then fails, the admin's view of the
 * order keeps amounts and dates but no name, e-mail or address, an export for that user finds nothing, the Stripe
 * customer is gone and the fulfilment provider was told; a repeated erasure changes nothing; and an erasure while an
 * order awaits payment cancels that order first (the documented rule).
 */
describe('export and erasure, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const stripe = stripeClient(endpoints);
  const call = apiCaller(endpoints.apiUrl);
  const fulfilment = endpoints.fulfilment as NonNullable<typeof endpoints.fulfilment>;
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const sku = `PRIV-${tag}`;
  let vendor = '';
  let admin = '';
  let productId = '';

  beforeAll(async () => {
    const client = cognitoClient();
    vendor = await signIn(client, users.vendor);
    admin = await signIn(client, users.admin);
    client.destroy();
    const created = await call('POST', '/vendor/products', vendor, {
      name: `Privacy screen ${tag}`,
      description: 'Keeps things to itself',
      skus: [{ sku, name: 'One size', price: { amount: 1500, currency: 'EUR' }, initialStock: 10 }],
    });
    expect(created.status).toBe(201);
    productId = String(created.body.productId);
  }, 30_000);

  const available = async () => ((await call('GET', `/products/${productId}`)).body.skus as Array<{ available: number }>)[0]?.available;

  async function orderUntil(token: string, orderId: string, statuses: readonly string[], timeoutMs = 30_000): Promise<Json> {
    return until(
      `order ${orderId} in ${statuses.join('/')}`,
      async () => {
        const order = (await call('GET', `/orders/${orderId}`, token)).body;
        return statuses.includes(String(order.status)) ? order : undefined;
      },
      timeoutMs,
    );
  }

  /** Signing in fails once the erasure run deleted the account. */
  async function signInFails(user: { username: string; password: string }): Promise<string> {
    const client = cognitoClient();
    try {
      return await until(
        'the erased account to be deleted',
        async () => {
          try {
            await signIn(client, user);
            return undefined;
          } catch (error) {
            // A sign-in racing the deletion may fail in the token trigger instead; wait for the account to be gone.
            const name = (error as Error).name;
            return name === 'UserLambdaValidationException' ? undefined : name;
          }
        },
        60_000,
        500,
      );
    } finally {
      client.destroy();
    }
  }

  /** The order as an admin lists it (GET /admin/orders in its status). */
  async function adminView(orderId: string, status: string): Promise<Json | undefined> {
    const page = await call('GET', `/admin/orders?status=${status}&limit=100`, admin);
    expect(page.status).toBe(200);
    return (page.body.items as Json[]).find((o) => o.orderId === orderId);
  }

  /**
   * The erasure runs among the newest 100 audit entries, each by its time and target. Other tests append entries all the
   * while, so a count over a window that slides can fall: a run is new when its entry was not among those seen before.
   */
  async function erasureRuns(): Promise<Set<string>> {
    const page = await call('GET', '/admin/audit?limit=100', admin);
    expect(page.status).toBe(200);
    return new Set((page.body.items as Json[]).filter((e) => e.action === 'customer.erased').map((e) => `${String(e.at)} ${String(e.target)}`));
  }
  const newRun = async (before: Set<string>) => ([...(await erasureRuns())].some((run) => !before.has(run)) ? true : undefined);

  it('a customer buys, exports, erases: sign-in fails, the order keeps its amounts without personal data, nothing is left to export, repeating changes nothing', async () => {
    const client = cognitoClient();
    const customer = await newCustomer(client, 'privacy');
    client.destroy();
    const sub = String((await call('GET', '/me', customer.accessToken)).body.sub);

    // Buy and pay; the fulfilment hand-off then ships it to the default address.
    const accepted = await call('POST', '/checkout', customer.accessToken, { items: [{ sku, quantity: 1 }] }, { 'Idempotency-Key': randomUUID() });
    expect(accepted.status).toBe(202);
    const orderId = String(accepted.body.orderId);
    const awaiting = await orderUntil(customer.accessToken, orderId, ['AWAITING_PAYMENT']);
    const paymentIntentId = (awaiting.payment as { paymentIntentId: string }).paymentIntentId;
    await stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
    const fulfilled = await orderUntil(customer.accessToken, orderId, ['FULFILLED']);
    // A customer object someone made at Stripe for this shopper (Stockade creates none): erasure deletes it too.
    await stripe.customers.create({ email: customer.username, name: DEMO_ADDRESS.name });

    const exported = await call('GET', '/me/export', customer.accessToken);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      subject: sub,
      profile: { attributes: { email: customer.username } },
      defaultAddress: DEMO_ADDRESS,
      orders: [{ orderId, status: 'FULFILLED', shipping: { email: customer.username } }],
      payments: [{ paymentIntentId, orderId, state: 'SUCCEEDED' }],
      complete: true,
    });
    const again = await call('GET', '/me/export', customer.accessToken);
    expect(again.status).toBe(429);
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(3_000);

    const runsBefore = await erasureRuns();
    const erasure = await call('DELETE', '/me', customer.accessToken);
    expect(erasure.status).toBe(202);
    expect(erasure.body).toMatchObject({ status: 'accepted' });
    expect(['NotAuthorizedException', 'UserNotFoundException']).toContain(await signInFails(customer));
    await until('the erasure run to be audited', () => newRun(runsBefore), 30_000, 500);

    // The admin's view keeps the amounts and dates, under a pseudonym, without name, e-mail or address.
    const view = (await adminView(orderId, 'FULFILLED')) as Json;
    expect(view).toMatchObject({ orderId, total: fulfilled.total, createdAt: fulfilled.createdAt, lines: fulfilled.lines });
    expect(String(view.customerId)).toMatch(/^erased-/);
    const text = JSON.stringify(view);
    for (const personal of [sub, customer.username, DEMO_ADDRESS.name, DEMO_ADDRESS.line1, DEMO_ADDRESS.city]) expect(text).not.toContain(personal);

    // The access token lives on until it expires, but nothing is left behind it.
    const after = await call('GET', '/me/export', customer.accessToken);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ profile: null, cart: null, defaultAddress: null, orders: [], payments: [] });
    expect((await call('GET', '/orders', customer.accessToken)).body.items).toEqual([]);
    expect((await call('GET', '/me/address', customer.accessToken)).status).toBe(404);

    // Stripe's customer is deleted; the fulfilment provider was told and holds no address or e-mail for the order.
    expect((await stripe.customers.list({ email: customer.username })).data).toEqual([]);
    const headers = { authorization: `Bearer ${fulfilment.apiKey}` };
    const notices = (await (await fetch(new URL('erasures', fulfilment.url), { headers })).json()) as { items: Array<{ orderIds: string[] }> };
    expect(notices.items.some((n) => n.orderIds.includes(orderId))).toBe(true);
    const shipments = (await (await fetch(new URL('shipments', fulfilment.url), { headers })).json()) as { items: Json[] };
    const shipment = shipments.items.find((s) => s.orderId === orderId) as Json;
    expect(shipment).toBeDefined();
    expect(shipment.shipTo).toBeUndefined();
    expect(shipment.contactEmail).toBeUndefined();

    // An admin repeats the erasure (a request by letter, say): it runs and changes nothing.
    const runsBeforeRepeat = await erasureRuns();
    expect((await call('POST', `/admin/users/${sub}/erasure`, admin)).status).toBe(202);
    await until('the repeated erasure run', () => newRun(runsBeforeRepeat), 30_000, 500);
    expect(await adminView(orderId, 'FULFILLED')).toEqual(view);
  }, 180_000);

  it('an erasure while an order awaits payment cancels the order first: stock back, PaymentIntent canceled, then erased', async () => {
    const client = cognitoClient();
    const customer = await newCustomer(client, 'privacy-open');
    client.destroy();
    const sub = String((await call('GET', '/me', customer.accessToken)).body.sub);
    const before = await available();
    const accepted = await call('POST', '/checkout', customer.accessToken, { items: [{ sku, quantity: 2 }] }, { 'Idempotency-Key': randomUUID() });
    expect(accepted.status).toBe(202);
    const orderId = String(accepted.body.orderId);
    const awaiting = await orderUntil(customer.accessToken, orderId, ['AWAITING_PAYMENT']);
    const paymentIntentId = (awaiting.payment as { paymentIntentId: string }).paymentIntentId;
    expect(await available()).toBe((before ?? 0) - 2);

    // The request comes by another channel: an admin files it.
    expect((await call('POST', `/admin/users/${sub}/erasure`, admin)).status).toBe(202);
    await signInFails(customer);

    const view = await until('the cancelled order in the admin view', () => adminView(orderId, 'CANCELLED'));
    expect(String(view.customerId)).toMatch(/^erased-/);
    expect(view.shipping).toBeUndefined();
    expect((await stripe.paymentIntents.retrieve(paymentIntentId)).status).toBe('canceled');
    expect(await available()).toBe(before);
  }, 120_000);

  it('refuses what it must: a malformed user id (400), a customer or vendor on the admin route (403), a vendor erasing themselves (403)', async () => {
    expect((await call('POST', '/admin/users/not-a-sub/erasure', admin)).status).toBe(400);
    const client = cognitoClient();
    const customer = await newCustomer(client, 'privacy-peek', { withAddress: false });
    client.destroy();
    expect((await call('POST', `/admin/users/${randomUUID()}/erasure`, customer.accessToken)).status).toBe(403);
    expect((await call('POST', `/admin/users/${randomUUID()}/erasure`, vendor)).status).toBe(403);
    expect((await call('DELETE', '/me', vendor)).status).toBe(403);
    expect((await call('GET', '/me/export', vendor)).status).toBe(403);
  }, 60_000);
});
