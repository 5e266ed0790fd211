import { testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer } from '../support/identity';

/** The cart over HTTP, as a customer of its own (other tests use the demo customer), against the demo catalog. */
describe('cart, end to end', () => {
  const endpoints = testEndpoints();
  let token = '';
  beforeAll(async () => {
    const client = cognitoClient();
    token = (await newCustomer(client, 'cart')).accessToken;
    client.destroy();
  });
  const call = async (method: string, path: string, body?: unknown, auth = true) => {
    const response = await fetch(`${endpoints.apiUrl}${path}`, {
      method,
      headers: { ...(auth ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  it('fills a cart priced from the catalog; the client cannot set a price', async () => {
    expect((await call('DELETE', '/cart')).status).toBe(204);
    expect((await call('PUT', '/cart/items/MUG-SLATE', { quantity: 2 })).status).toBe(200);
    const cart = await call('PUT', '/cart/items/CANDLE-PAIR', { quantity: 3 });
    expect(cart.body).toMatchObject({
      items: [
        {
          sku: 'MUG-SLATE',
          name: 'Stoneware mug (Slate)',
          quantity: 2,
          unitPrice: { amount: 1800, currency: 'EUR' },
          lineTotal: { amount: 3600, currency: 'EUR' },
        },
        { sku: 'CANDLE-PAIR', quantity: 3, lineTotal: { amount: 4350, currency: 'EUR' } },
      ],
      total: { amount: 7950, currency: 'EUR' },
      currency: 'EUR',
    });
    const cheat = await call('PUT', '/cart/items/MUG-SLATE', { quantity: 1, unitPrice: { amount: 1, currency: 'EUR' } });
    expect(cheat.status).toBe(400);
    expect((await call('GET', '/cart')).body).toMatchObject({ total: { amount: 7950 } });
  });

  it('refuses quantities outside 1..99, unknown SKUs, and more than is in stock', async () => {
    expect((await call('PUT', '/cart/items/MUG-SLATE', { quantity: 0 })).status).toBe(400);
    expect((await call('PUT', '/cart/items/MUG-SLATE', { quantity: 100 })).status).toBe(400);
    expect((await call('PUT', '/cart/items/NO-SUCH-SKU', { quantity: 1 })).status).toBe(404);
    const tooMany = await call('PUT', '/cart/items/APRON-RUST', { quantity: 1 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ type: 'https://stockade.dev/problems/business-rule' });
  });

  it('removes a line and clears the cart; anonymous callers get 401', async () => {
    const after = await call('DELETE', '/cart/items/MUG-SLATE');
    expect((after.body.items as Array<{ sku: string }>).map((l) => l.sku)).toEqual(['CANDLE-PAIR']);
    expect((await call('DELETE', '/cart')).status).toBe(204);
    expect((await call('GET', '/cart')).body).toMatchObject({ items: [], total: null });
    expect((await call('GET', '/cart', undefined, false)).status).toBe(401);
  });
});
