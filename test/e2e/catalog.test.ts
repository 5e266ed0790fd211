import { randomBytes } from 'node:crypto';
import { onboardPrivilegedUser } from '../../local/demo/demo-users';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';

/** The catalog over HTTP: vendors list their products, anyone browses, nobody edits another vendor's product. */
describe('catalog, end to end', () => {
  const endpoints = testEndpoints();
  const { apiUrl } = endpoints;
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const tokens: Record<'vendor' | 'otherVendor' | 'customer', string> = { vendor: '', otherVendor: '', customer: '' };
  const tag = randomBytes(3).toString('hex').toUpperCase();

  beforeAll(async () => {
    const client = cognitoClient();
    const pool = endpoints.cognito as NonNullable<typeof endpoints.cognito>;
    tokens.vendor = await signIn(client, users.vendor);
    tokens.customer = await signIn(client, users.customer);
    tokens.otherVendor = await signIn(client, await onboardPrivilegedUser(client, pool, 'vendor', `vendor2-${tag.toLowerCase()}@stockade.test`));
    client.destroy();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const newProduct = (n: number) => ({
    name: `Tea bowl ${tag} ${n}`,
    description: 'Wheel-thrown',
    skus: [
      { sku: `BOWL-${tag}-${n}-S`, name: 'Small', price: { amount: 2400, currency: 'EUR' }, initialStock: 5 },
      { sku: `BOWL-${tag}-${n}-L`, name: 'Large', price: { amount: 3200, currency: 'EUR' }, initialStock: 0 },
    ],
  });

  it('a vendor creates a product; anyone reads it with its prices and available stock', async () => {
    const created = await call('POST', '/vendor/products', tokens.vendor, newProduct(1));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/products/${String(created.body.productId)}`);
    const read = await call('GET', `/products/${String(created.body.productId)}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      name: `Tea bowl ${tag} 1`,
      status: 'ACTIVE',
      skus: [
        { sku: `BOWL-${tag}-1-S`, available: 5 },
        { sku: `BOWL-${tag}-1-L`, available: 0 },
      ],
    });
    expect(read.body).toEqual(created.body);
  });

  it('refuses bad input with 400 problem+json, at the gateway or naming the field, and creates nothing', async () => {
    // What the request model can say (types, formats, unknown fields) the gateway refuses before any Lambda runs.
    const bad = await call('POST', '/vendor/products', tokens.vendor, {
      ...newProduct(2),
      skus: [{ ...newProduct(2).skus[0], price: { amount: 24.5, currency: 'eur' } }],
      owner: 'admin',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(bad.body).toMatchObject({ status: 400, detail: 'Invalid request body' });
    // What only the handler knows (a SKU twice) comes back naming the field.
    const sku = newProduct(2).skus[0];
    const twice = await call('POST', '/vendor/products', tokens.vendor, { ...newProduct(2), skus: [sku, sku] });
    expect(twice.status).toBe(400);
    expect((twice.body.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(['body.skus']);
    const list = await call('GET', `/products?q=${encodeURIComponent(`tea bowl ${tag} 2`)}`);
    expect(list.body.items).toEqual([]);
  });

  it('a SKU code already taken is a 409 conflict', async () => {
    await call('POST', '/vendor/products', tokens.vendor, newProduct(3));
    const again = await call('POST', '/vendor/products', tokens.otherVendor, newProduct(3));
    expect(again.status).toBe(409);
  });

  it('another vendor can neither change nor archive the product: 404, and nothing changes', async () => {
    const { body } = await call('POST', '/vendor/products', tokens.vendor, newProduct(4));
    const id = String(body.productId);
    expect((await call('PATCH', `/vendor/products/${id}`, tokens.otherVendor, { name: 'Stolen' })).status).toBe(404);
    expect((await call('DELETE', `/vendor/products/${id}`, tokens.otherVendor)).status).toBe(404);
    expect((await call('GET', `/products/${id}`)).body).toMatchObject({ name: `Tea bowl ${tag} 4`, status: 'ACTIVE' });
    const patched = await call('PATCH', `/vendor/products/${id}`, tokens.vendor, {
      skus: [{ sku: `BOWL-${tag}-4-S`, price: { amount: 2600, currency: 'EUR' } }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ skus: [{ price: { amount: 2600 } }, { price: { amount: 3200 } }] });
    const archived = await call('DELETE', `/vendor/products/${id}`, tokens.vendor);
    expect(archived.body).toMatchObject({ status: 'ARCHIVED' });
  });

  it('customers cannot create products (403); anonymous callers get 401', async () => {
    expect((await call('POST', '/vendor/products', tokens.customer, newProduct(5))).status).toBe(403);
    expect((await call('POST', '/vendor/products', undefined, newProduct(5))).status).toBe(401);
  });

  it('lists active products newest first, filtered by vendor and name, with a cursor that cannot be forged', async () => {
    for (const n of [10, 11, 12]) expect((await call('POST', '/vendor/products', tokens.otherVendor, newProduct(n))).status).toBe(201);
    const q = encodeURIComponent(`tea bowl ${tag} 1`);
    const first = await call('GET', `/products?q=${q}&limit=2`);
    expect(first.status).toBe(200);
    expect((first.body.items as Array<{ name: string }>).map((p) => p.name)).toEqual([`Tea bowl ${tag} 12`, `Tea bowl ${tag} 11`]);
    const cursor = String(first.body.nextCursor);
    const second = await call('GET', `/products?q=${q}&limit=2&cursor=${encodeURIComponent(cursor)}`);
    // Full pages despite the name filter (which DynamoDB applies after its own limit).
    expect((second.body.items as Array<{ name: string }>).map((p) => p.name)).toEqual([`Tea bowl ${tag} 10`, `Tea bowl ${tag} 1`]);
    const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'BB' : 'AA'}`;
    const refused = await call('GET', `/products?q=${q}&limit=2&cursor=${encodeURIComponent(tampered)}`);
    expect(refused.status).toBe(400);
    const otherListing = await call('GET', `/products?limit=2&cursor=${encodeURIComponent(cursor)}`);
    expect(otherListing.status).toBe(400);
    const vendor = await call('GET', `/products?vendorId=${encodeURIComponent(String((await call('GET', '/me', tokens.otherVendor)).body.sub))}&limit=100`);
    expect((vendor.body.items as Array<{ name: string }>).every((p) => p.name.startsWith(`Tea bowl ${tag} 1`))).toBe(true);
  });
});
