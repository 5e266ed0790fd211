import { randomBytes } from 'node:crypto';
import { apiCaller } from '../support/api';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';
import { pendingOrder, stockedSkus } from '../support/order-builders';
import { runtimeStores } from '../support/runtime-stores';

type Json = Record<string, unknown>;

/** GET /admin/orders over HTTP: one status in a window, newest first, paged with a cursor bound to the admin and filters. */
describe('the admins\u2019 order listing, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const { dynamodb, orders, catalog } = runtimeStores(endpoints);
  const call = apiCaller(endpoints.apiUrl);
  const customerId = `admin-list-${randomBytes(3).toString('hex')}`;
  let admin = '';
  let customer = '';
  let from = '';
  let to = '';
  const ours: string[] = [];

  beforeAll(async () => {
    const client = cognitoClient();
    admin = await signIn(client, users.admin);
    customer = await signIn(client, users.customer);
    client.destroy();
    const [sku] = await stockedSkus(catalog, { prefix: 'ADMINLIST', stock: 10 });
    from = new Date(Date.now() - 1_000).toISOString();
    let last = '';
    for (let i = 0; i < 3; i++) {
      const order = await pendingOrder(orders, customerId, [{ ...sku!, quantity: 1 }]);
      ours.push(order.orderId);
      last = order.createdAt;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Up to the newest of ours, no further: other suites create PENDING orders by the thousand in a second.
    to = last;
  });
  afterAll(() => dynamodb.destroy());

  const list = (query: string, token = admin) => call('GET', `/admin/orders?${query}`, token);

  it('pages through one status newest first, each page signed for the next', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await list(`status=PENDING&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      const items = page.body.items as Json[];
      expect(items.length).toBeLessThanOrEqual(2);
      for (const item of items) expect(item).toMatchObject({ status: 'PENDING', orderId: expect.any(String), total: { currency: 'EUR' } });
      seen.push(...items.map((o) => String(o.orderId)));
      cursor = page.body.nextCursor as string | undefined;
      pages++;
    } while (cursor && pages < 50);
    expect(pages).toBeGreaterThanOrEqual(2);
    // Other tests may add PENDING orders in the same window; ours appear newest first.
    expect(seen.filter((id) => ours.includes(id))).toEqual([...ours].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('leaves out other statuses and orders outside the window', async () => {
    const confirmed = await list(`status=CONFIRMED&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=100`);
    expect(confirmed.status).toBe(200);
    expect((confirmed.body.items as Json[]).filter((o) => ours.includes(String(o.orderId)))).toEqual([]);
    const before = await list(`status=PENDING&to=${encodeURIComponent(from)}&limit=100`);
    expect((before.body.items as Json[]).filter((o) => ours.includes(String(o.orderId)))).toEqual([]);
  });

  it.each([
    ['no status', 'limit=5'],
    ['an unknown status', 'status=LOST'],
    ['a time that is not ISO 8601', 'status=PENDING&from=yesterday'],
    ['a window that ends before it starts', `status=PENDING&from=2026-11-22T00:00:00Z&to=2026-11-21T00:00:00Z`],
    ['an unknown parameter', 'status=PENDING&customer=c1'],
    ['a forged cursor', 'status=PENDING&cursor=eyJrIjoiMSJ9.AAAA'],
  ])('refuses %s with 400 problem+json', async (_what, query) => {
    const response = await list(query);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('refuses a cursor of another filter or another listing', async () => {
    const first = await list(`status=PENDING&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=1`);
    const cursor = first.body.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    expect((await list(`status=CONFIRMED&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=1&cursor=${cursor}`)).status).toBe(400);
    // The audit trail's listing refuses it too: a cursor is signed for one listing.
    expect((await call('GET', `/admin/audit?limit=1&cursor=${cursor}`, admin)).status).toBe(400);
  });

  it('is for admins only', async () => {
    expect((await list('status=PENDING', customer)).status).toBe(403);
    expect((await call('GET', '/admin/orders?status=PENDING')).status).toBe(401);
  });
});
