import { randomBytes } from 'node:crypto';
import { onboardPrivilegedUser } from '../../local/demo/demo-users';
import { apiCaller } from '../support/api';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';
import { pendingOrder, type ProbeSku } from '../support/order-builders';
import { runtimeStores } from '../support/runtime-stores';

type Json = Record<string, unknown>;

/** GET /vendor/orders over HTTP: each vendor sees the orders holding its SKUs, only its own lines, nothing of the customer. */
describe('the vendors\u2019 order listing, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const { dynamodb, orders } = runtimeStores(endpoints);
  const call = apiCaller(endpoints.apiUrl);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  const customerId = `vendor-list-${tag.toLowerCase()}`;
  const tokens = { vendorA: '', vendorB: '', vendorC: '', customer: '' };
  let skuA: ProbeSku;
  let skuB: ProbeSku;
  const shared: string[] = [];
  let onlyB = '';

  /** A product of the vendor signed in with `token`, through the API, so its SKU carries that vendor's sub. */
  const productOf = async (token: string, code: string): Promise<ProbeSku> => {
    const created = await call('POST', '/vendor/products', token, {
      name: `Vendor orders ${code}`,
      skus: [{ sku: code, name: code, price: { amount: 1200, currency: 'EUR' }, initialStock: 50 }],
    });
    expect(created.status).toBe(201);
    return { sku: code, productId: String(created.body.productId), vendorId: String(created.body.vendorId), unitAmount: 1200 };
  };

  beforeAll(async () => {
    const client = cognitoClient();
    const pool = endpoints.cognito as NonNullable<typeof endpoints.cognito>;
    tokens.vendorA = await signIn(client, await onboardPrivilegedUser(client, pool, 'vendor', `vendor-a-${tag.toLowerCase()}@stockade.test`));
    tokens.vendorB = await signIn(client, await onboardPrivilegedUser(client, pool, 'vendor', `vendor-b-${tag.toLowerCase()}@stockade.test`));
    tokens.vendorC = await signIn(client, await onboardPrivilegedUser(client, pool, 'vendor', `vendor-c-${tag.toLowerCase()}@stockade.test`));
    tokens.customer = await signIn(client, users.customer);
    client.destroy();
    skuA = await productOf(tokens.vendorA, `VORD-A-${tag}`);
    skuB = await productOf(tokens.vendorB, `VORD-B-${tag}`);
    for (let i = 0; i < 3; i++) {
      shared.push(
        (
          await pendingOrder(orders, customerId, [
            { ...skuA, quantity: i + 1 },
            { ...skuB, quantity: 2 },
          ])
        ).orderId,
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    onlyB = (await pendingOrder(orders, customerId, [{ ...skuB, quantity: 1 }])).orderId;
  });
  afterAll(() => dynamodb.destroy());

  const list = (token: string, query = '') => call('GET', `/vendor/orders${query ? `?${query}` : ''}`, token);

  it('pages through the vendor\u2019s orders newest first, with only its lines and their total, and nothing of the customer', async () => {
    const seen: Json[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list(tokens.vendorA, `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as Json[]));
      cursor = page.body.nextCursor as string | undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen.map((o) => o.orderId)).toEqual([...shared].reverse());
    const [newest] = seen;
    expect(newest).toEqual({
      orderId: shared[2],
      status: 'PENDING',
      lines: [
        {
          sku: skuA.sku,
          productId: skuA.productId,
          vendorId: skuA.vendorId,
          quantity: 3,
          unitPrice: { amount: 1200, currency: 'EUR' },
          lineTotal: { amount: 3600, currency: 'EUR' },
        },
      ],
      total: { amount: 3600, currency: 'EUR' },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const text = JSON.stringify(seen);
    expect(text).not.toContain(customerId);
    expect(text).not.toContain(skuB.sku);
    expect(text).not.toContain(skuB.vendorId);
  });

  it('shows vendor B its own lines of the same orders, and never vendor A\u2019s', async () => {
    const page = await list(tokens.vendorB, 'limit=100');
    expect(page.status).toBe(200);
    const items = page.body.items as Json[];
    expect(items.map((o) => o.orderId)).toEqual([onlyB, ...[...shared].reverse()]);
    for (const item of items) expect((item.lines as Json[]).map((l) => l.sku)).toEqual([skuB.sku]);
    expect(JSON.stringify(items)).not.toContain(skuA.sku);
  });

  it('is empty for a vendor with no orders', async () => {
    const page = await list(tokens.vendorC);
    expect(page.status).toBe(200);
    expect(page.body).toEqual({ items: [] });
  });

  it('refuses another vendor\u2019s cursor and another listing\u2019s cursor', async () => {
    const first = await list(tokens.vendorA, 'limit=1');
    const cursor = encodeURIComponent(first.body.nextCursor as string);
    expect((await list(tokens.vendorB, `limit=1&cursor=${cursor}`)).status).toBe(400);
    const own = await call('GET', '/orders?limit=1', tokens.customer);
    const customerCursor = own.body.nextCursor as string | undefined;
    if (customerCursor) expect((await list(tokens.vendorA, `limit=1&cursor=${encodeURIComponent(customerCursor)}`)).status).toBe(400);
  });

  it.each([
    ['a limit above 100', 'limit=101'],
    ['a limit that is not a number', 'limit=many'],
    ['an unknown parameter', 'status=PENDING'],
    ['a forged cursor', 'cursor=eyJrIjoiMSJ9.AAAA'],
  ])('refuses %s with 400 problem+json', async (_what, query) => {
    const response = await list(tokens.vendorA, query);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('is for vendors only', async () => {
    expect((await list(tokens.customer)).status).toBe(403);
    expect((await call('GET', '/vendor/orders')).status).toBe(401);
  });
});
