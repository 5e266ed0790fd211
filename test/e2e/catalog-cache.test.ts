import { randomBytes } from 'node:crypto';
import { resolveStageConfig } from '../../lib/config/stages';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';

/**
 * The cached catalog over HTTP (issue 12, item 4): public reads carry a strong ETag and the dev stage's Cache-Control,
 * If-None-Match is answered 304 through the local gateway, and a change to the product changes the tag.
 */
// Each test signs in, creates products and reads them through fresh function instances: seconds on a busy machine.
jest.setTimeout(60_000);

describe('catalog cache headers, end to end', () => {
  const endpoints = testEndpoints();
  const { apiUrl } = endpoints;
  const users = endpoints.users as NonNullable<typeof endpoints.users>;
  const { catalogCache } = resolveStageConfig({ stage: 'dev' });
  const cacheControl = `public, max-age=${catalogCache.maxAgeSeconds}, stale-while-revalidate=${catalogCache.staleWhileRevalidateSeconds}`;
  const tag = randomBytes(3).toString('hex').toUpperCase();
  let vendor = '';
  let customer = '';

  beforeAll(async () => {
    const client = cognitoClient();
    vendor = await signIn(client, users.vendor);
    customer = await signIn(client, users.customer);
    client.destroy();
  });

  const call = async (method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const create = async (n: number) => {
    const created = await call('POST', '/vendor/products', {
      token: vendor,
      body: {
        name: `Cached jug ${tag} ${n}`,
        description: 'Stoneware',
        skus: [{ sku: `JUG-${tag}-${n}`, name: 'One size', price: { amount: 1800, currency: 'EUR' }, initialStock: 7 }],
      },
    });
    expect(created.status).toBe(201);
    return String(created.body.productId);
  };

  it('a product read carries a strong ETag and public Cache-Control; If-None-Match with it is 304 with no body', async () => {
    const id = await create(1);
    const first = await call('GET', `/products/${id}`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(first.headers.get('cache-control')).toBe(cacheControl);
    for (const ifNoneMatch of [etag, `W/${etag}`, `"someone-else", ${etag}`, '*']) {
      const again = await call('GET', `/products/${id}`, { headers: { 'If-None-Match': ifNoneMatch } });
      expect({ ifNoneMatch, status: again.status, text: again.text }).toEqual({ ifNoneMatch, status: 304, text: '' });
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('cache-control')).toBe(cacheControl);
    }
    const other = await call('GET', `/products/${id}`, { headers: { 'If-None-Match': '"not-the-tag"' } });
    expect(other.status).toBe(200);
    expect(other.body).toEqual(first.body);
  });

  it('a price change or a stock adjustment changes the ETag: the old tag gets the new product', async () => {
    const id = await create(2);
    const before = await call('GET', `/products/${id}`);
    const oldTag = before.headers.get('etag') as string;
    const patched = await call('PATCH', `/vendor/products/${id}`, {
      token: vendor,
      body: { skus: [{ sku: `JUG-${tag}-2`, price: { amount: 1900, currency: 'EUR' } }] },
    });
    expect(patched.status).toBe(200);
    const afterPrice = await call('GET', `/products/${id}`, { headers: { 'If-None-Match': oldTag } });
    expect(afterPrice.status).toBe(200);
    expect(afterPrice.body).toMatchObject({ skus: [{ price: { amount: 1900 } }] });
    const priceTag = afterPrice.headers.get('etag') as string;
    expect(priceTag).not.toBe(oldTag);

    const adjusted = await call('POST', `/vendor/products/${id}/stock`, { token: vendor, body: { sku: `JUG-${tag}-2`, delta: -2, reason: 'breakage' } });
    expect(adjusted.status).toBe(200);
    const afterStock = await call('GET', `/products/${id}`, { headers: { 'If-None-Match': priceTag } });
    expect(afterStock.status).toBe(200);
    expect(afterStock.body).toMatchObject({ skus: [{ available: 5 }] });
    expect(afterStock.headers.get('etag')).not.toBe(priceTag);
  });

  it('a listing page is cacheable too, and a new product on it changes its ETag', async () => {
    await create(3);
    const path = `/products?q=${encodeURIComponent(`cached jug ${tag}`)}&limit=50`;
    const first = await call('GET', path);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe(cacheControl);
    const etag = first.headers.get('etag') as string;
    expect((await call('GET', path, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    await create(4);
    const changed = await call('GET', path, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect((changed.body.items as Array<{ name: string }>)[0]?.name).toBe(`Cached jug ${tag} 4`);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it("lets the storefront's own scripts read the ETag and send If-None-Match across origins", async () => {
    const origin = 'http://localhost:3000';
    const preflight = await fetch(`${apiUrl}/products`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'if-none-match' },
    });
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase().split(',')).toContain('if-none-match');
    const read = await call('GET', '/products?limit=1', { headers: { Origin: origin } });
    expect(read.headers.get('access-control-allow-origin')).toBe(origin);
    expect(read.headers.get('access-control-expose-headers')).toBe('ETag');
  });

  it('errors and personal answers are never cacheable: no-store, no ETag, If-None-Match ignored', async () => {
    const missing = await call('GET', '/products/01J00000000000000000000000', { headers: { 'If-None-Match': '*' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBe('no-store');
    expect(missing.headers.get('etag')).toBeNull();
    const invalid = await call('GET', '/products?limit=1000', { headers: { 'If-None-Match': '*' } });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('etag')).toBeNull();
    const cart = await call('GET', '/cart', { token: customer, headers: { 'If-None-Match': '*' } });
    expect(cart.status).toBe(200);
    expect(cart.headers.get('cache-control')).toBe('no-store');
    expect(cart.headers.get('etag')).toBeNull();
  });
});
