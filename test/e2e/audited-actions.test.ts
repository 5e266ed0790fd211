import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { DynamoDbAuditHistory } from '../../shared/adapters/dynamodb-audit-history';
import { apiCaller, type ApiResponse } from '../support/api';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';
import { runtimeStores } from '../support/runtime-stores';

type Json = Record<string, unknown>;

/**
 * What is audited (issue 15, item 4; docs/privacy.md, "What is audited"), over HTTP: a vendor's product changes, a
 * customer's cancellations, an admin's read of orders and the authorizer's denials (one per caller and minute), each
 * entry with actor, action, target, outcome, source IP and the request id the caller was answered with.
 */
describe('what is audited, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const call = apiCaller(endpoints.apiUrl);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const tokens = { vendor: '', admin: '', customer: '', other: '' };
  const { dynamodb, tableName } = runtimeStores(endpoints);
  const history = new DynamoDbAuditHistory(dynamodb, tableName('AuditTable'));
  let vendorSub = '';
  let adminSub = '';
  let customerSub = '';
  let productId = '';

  beforeAll(async () => {
    const client = cognitoClient();
    tokens.vendor = await signIn(client, users.vendor);
    tokens.admin = await signIn(client, users.admin);
    tokens.customer = (await newCustomer(client, 'audited')).accessToken;
    tokens.other = (await newCustomer(client, 'audited-other')).accessToken;
    client.destroy();
    vendorSub = String((await call('GET', '/me', tokens.vendor)).body.sub);
    customerSub = String((await call('GET', '/me', tokens.customer)).body.sub);
    adminSub = String((await call('GET', '/me', tokens.admin)).body.sub);
  }, 60_000);
  afterAll(() => dynamodb.destroy());

  const requestIdOf = (response: ApiResponse) => {
    const id = response.headers.get('x-amzn-requestid');
    expect(id).toEqual(expect.any(String));
    return id as string;
  };

  /**
   * An actor's events, newest first, through the trail's byActor index (the export's reader): the admin listing, which
   * searches months back to fill a page, is under test elsewhere. Polled briefly, the index being eventually consistent.
   */
  async function eventsOf(actor: string, until: (events: Json[]) => boolean = (events) => events.length > 0): Promise<Json[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const events = (await history.byActor(actor, 500)).items as unknown as Json[];
      if (until(events) || Date.now() > deadline) return events;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const eventOf = async (actor: string, requestId: string) =>
    (await eventsOf(actor, (events) => events.some((e) => e.requestId === requestId))).find((e) => e.requestId === requestId);
  const origin = (requestId: string) => ({ sourceIp: expect.any(String) as unknown, requestId });

  it('audits a vendor\u2019s product create, update and archive, and a batch as one entry, as the vendor', async () => {
    const created = await call('POST', '/vendor/products', tokens.vendor, {
      name: `Audited ${tag}`,
      skus: [{ sku: `AUDITED-${tag}-1`, name: 'One', price: { amount: 1500, currency: 'EUR' }, initialStock: 5 }],
    });
    expect(created.status).toBe(201);
    productId = String(created.body.productId);
    const taken = await call('POST', '/vendor/products', tokens.vendor, {
      name: `Taken ${tag}`,
      skus: [{ sku: `AUDITED-${tag}-1`, name: 'Again', price: { amount: 1500, currency: 'EUR' }, initialStock: 1 }],
    });
    expect(taken.status).toBe(409);
    const updated = await call('PATCH', `/vendor/products/${productId}`, tokens.vendor, { name: `Audited ${tag} v2` });
    expect(updated.status).toBe(200);
    const batch = await call('POST', '/vendor/products/batch', tokens.vendor, {
      products: [
        { name: `Batch ${tag}`, skus: [{ sku: `AUDITED-${tag}-2`, name: 'Two', price: { amount: 900, currency: 'EUR' }, initialStock: 2 }] },
        { name: '', skus: [] },
      ],
    });
    expect(batch.status).toBe(200);
    const batchProduct = String((batch.body.results as Json[])[0]?.productId);
    const archived = await call('DELETE', `/vendor/products/${batchProduct}`, tokens.vendor);
    expect(archived.status).toBe(200);

    const actor = { actor: vendorSub };
    expect(await eventOf(vendorSub, requestIdOf(created))).toMatchObject({
      ...actor,
      action: 'product.create',
      target: `product:${productId}`,
      outcome: 'succeeded',
      ...origin(requestIdOf(created)),
    });
    expect(await eventOf(vendorSub, requestIdOf(taken))).toMatchObject({
      ...actor,
      action: 'product.create',
      target: `vendor:${vendorSub}`,
      outcome: 'denied',
      ...origin(requestIdOf(taken)),
    });
    expect(await eventOf(vendorSub, requestIdOf(updated))).toMatchObject({
      ...actor,
      action: 'product.update',
      target: `product:${productId}`,
      outcome: 'succeeded',
      detail: 'changed: name',
      ...origin(requestIdOf(updated)),
    });
    expect(await eventOf(vendorSub, requestIdOf(batch))).toMatchObject({
      ...actor,
      action: 'product.create-batch',
      target: `vendor:${vendorSub}`,
      outcome: 'succeeded',
      detail: `1 of 2 created: product:${batchProduct}; refused: #1 ValidationError`,
      ...origin(requestIdOf(batch)),
    });
    expect(await eventOf(vendorSub, requestIdOf(archived))).toMatchObject({
      ...actor,
      action: 'product.archive',
      target: `product:${batchProduct}`,
      outcome: 'succeeded',
      ...origin(requestIdOf(archived)),
    });
  }, 60_000);

  it('audits a customer\u2019s cancellation: denied for another\u2019s order, succeeded for their own', async () => {
    const sku = `AUDITED-${tag}-1`;
    const accepted = await call('POST', '/checkout', tokens.customer, { items: [{ sku, quantity: 1 }] }, { 'Idempotency-Key': randomUUID() });
    expect(accepted.status).toBe(202);
    const orderId = String(accepted.body.orderId);
    const deadline = Date.now() + 30_000;
    while ((await call('GET', `/orders/${orderId}`, tokens.customer)).body.status !== 'AWAITING_PAYMENT' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const peek = await call('POST', `/orders/${orderId}/cancel`, tokens.other);
    expect(peek.status).toBe(404);
    const cancelled = await call('POST', `/orders/${orderId}/cancel`, tokens.customer);
    expect(cancelled.status).toBe(200);

    const peeker = String((await call('GET', '/me', tokens.other)).body.sub);
    const denied = await eventOf(peeker, requestIdOf(peek));
    expect(denied).toMatchObject({ action: 'order.cancel', target: `order:${orderId}`, outcome: 'denied', ...origin(requestIdOf(peek)) });
    expect(denied?.actor).toBe(peeker);
    expect(await eventOf(customerSub, requestIdOf(cancelled))).toMatchObject({
      actor: customerSub,
      action: 'order.cancel',
      target: `order:${orderId}`,
      outcome: 'succeeded',
      detail: 'now CANCELLED',
      ...origin(requestIdOf(cancelled)),
    });
  }, 60_000);

  it('audits an admin\u2019s read of orders (names, e-mail, addresses) with the ids shown', async () => {
    const read = await call('GET', '/admin/orders?status=CANCELLED&limit=5', tokens.admin);
    expect(read.status).toBe(200);
    const shown = (read.body.items as Json[]).map((o) => String(o.orderId));
    const event = await eventOf(adminSub, requestIdOf(read));
    expect(event).toMatchObject({ action: 'personal-data.read', target: 'orders:CANCELLED', outcome: 'succeeded', ...origin(requestIdOf(read)) });
    for (const id of shown) expect(String(event?.detail)).toContain(id);
  }, 30_000);

  /** Waits, if needed, so that a few requests all fall in one UTC minute. */
  const sameMinute = async () => {
    const second = new Date().getUTCSeconds();
    if (second >= 50) await new Promise((r) => setTimeout(r, (61 - second) * 1_000));
  };

  it('audits the authorizer\u2019s denials once per caller and minute: a signed-in customer on an admin route', async () => {
    await sameMinute();
    const answers: ApiResponse[] = [];
    for (let i = 0; i < 4; i++) answers.push(await call('GET', '/admin/orders?status=CONFIRMED', tokens.customer));
    expect(answers.map((a) => a.status)).toEqual([403, 403, 403, 403]);
    const denials = (await eventsOf(customerSub, (events) => events.some((e) => e.action === 'auth.denied'))).filter((e) => e.action === 'auth.denied');
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({
      target: 'route:GET /admin/orders',
      outcome: 'denied',
      ...origin(requestIdOf(answers[0] as ApiResponse)),
      detail: expect.stringContaining('403: route needs one of admin') as unknown,
    });
  }, 60_000);

  it('audits denials of callers without a valid token once per source address and minute', async () => {
    // A source address of our own on the loopback network: no other test's denials share its minute.
    const sourceIp = `127.${1 + ((randomBytes(1)[0] as number) % 250)}.${randomBytes(1)[0] as number}.${1 + ((randomBytes(1)[0] as number) % 250)}`;
    const url = new URL(`${endpoints.apiUrl}/admin/orders?status=CONFIRMED`);
    const get = () =>
      new Promise<{ status: number; requestId: string }>((resolve, reject) => {
        const req = request(url, { method: 'GET', localAddress: sourceIp, headers: { Authorization: 'Bearer not.a.token' }, timeout: 10_000 }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-amzn-requestid']) }));
        });
        req.on('error', reject);
        req.end();
      });
    await sameMinute();
    const answers = [await get(), await get(), await get()];
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401]);
    const denials = (await eventsOf('anonymous', (events) => events.some((e) => e.sourceIp === sourceIp))).filter(
      (e) => e.action === 'auth.denied' && e.sourceIp === sourceIp,
    );
    expect(denials).toHaveLength(1);
    expect(denials[0]).toMatchObject({
      actor: 'anonymous',
      target: 'route:GET /admin/orders',
      outcome: 'denied',
      sourceIp,
      requestId: answers[0]?.requestId,
      detail: expect.stringContaining(`401: no verified identity; first denial of ip:${sourceIp}`) as unknown,
    });
  }, 60_000);
});
