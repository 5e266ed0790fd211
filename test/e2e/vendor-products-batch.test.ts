import { randomBytes } from 'node:crypto';
import { apiCaller } from '../support/api';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';

type Json = Record<string, unknown>;

/** POST /vendor/products/batch over HTTP: each product created or refused on its own. */
describe('catalog import by a vendor, end to end', () => {
  const endpoints = testEndpoints();
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const call = apiCaller(endpoints.apiUrl);
  const tag = randomBytes(3).toString('hex').toUpperCase();
  let vendor = '';
  let customer = '';

  beforeAll(async () => {
    const client = cognitoClient();
    vendor = await signIn(client, users.vendor);
    customer = await signIn(client, users.customer);
    client.destroy();
  });

  const product = (n: number, extra: Json = {}) => ({
    name: `Batch ${tag} ${n}`,
    skus: [{ sku: `BATCH-${tag}-${n}`, name: 'One', price: { amount: 1500, currency: 'EUR' }, initialStock: 4 }],
    ...extra,
  });

  it('creates the good products and refuses the bad ones, each with its own problem', async () => {
    const response = await call('POST', '/vendor/products/batch', vendor, {
      products: [product(1), { ...product(2), name: '' }, product(3), product(1), { ...product(4), colour: 'red' }],
    });
    expect(response.status).toBe(200);
    const results = response.body.results as Json[];
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(results[0]).toEqual({ index: 0, productId: expect.any(String) });
    expect(results[2]).toEqual({ index: 2, productId: expect.any(String) });
    expect(results[1]).toEqual({
      index: 1,
      error: { status: 400, title: 'Invalid request', detail: expect.any(String), errors: [{ path: 'body.products.1.name', message: expect.any(String) }] },
    });
    expect(results[3]).toMatchObject({ index: 3, error: { status: 409, title: 'Conflict' } });
    expect(results[4]).toMatchObject({ index: 4, error: { status: 400, errors: [{ path: 'body.products.4', message: expect.stringContaining('colour') }] } });
    for (const index of [0, 2]) {
      const read = await call('GET', `/products/${String(results[index]!.productId)}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ status: 'ACTIVE', skus: [{ sku: `BATCH-${tag}-${index + 1}`, available: 4 }] });
    }
  });

  it.each([
    ['no products', { products: [] }],
    ['more than 100 products', { products: Array.from({ length: 101 }, (_, i) => product(100 + i)) }],
    ['a body without products', {}],
    ['an unknown envelope field', { products: [product(99)], dryRun: true }],
  ])('refuses %s with 400 problem+json', async (_what, body) => {
    const response = await call('POST', '/vendor/products/batch', vendor, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('is for vendors only', async () => {
    expect((await call('POST', '/vendor/products/batch', customer, { products: [product(50)] })).status).toBe(403);
    expect((await call('POST', '/vendor/products/batch', undefined, { products: [product(51)] })).status).toBe(401);
  });
});
