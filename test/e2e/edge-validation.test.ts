import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { apiCaller } from '../support/api';
import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';

/**
 * The gateway itself refuses what the template's request models and required parameters refuse, before any Lambda
 * runs: the answer is the gateway's own problem (its message), and the function's log does not grow.
 */
describe('validation at the edge, over HTTP', () => {
  const endpoints = testEndpoints();
  const call = apiCaller(endpoints.apiUrl);
  const logs = path.join(path.dirname(process.env.STOCKADE_ENDPOINTS as string), 'logs');
  let customer = '';

  /** Bytes in the log of the function whose logical id starts with `prefix` (0 when it has not run yet). */
  const logSize = (prefix: string) => {
    const file = readdirSync(logs).find((f) => f.startsWith(prefix) && f.endsWith('.log'));
    return file && existsSync(path.join(logs, file)) ? readFileSync(path.join(logs, file)).length : 0;
  };

  beforeAll(async () => {
    const client = cognitoClient();
    customer = await signIn(client, (endpoints.users as NonNullable<typeof endpoints.users>).customer);
    client.destroy();
    // Warm both functions so their logs exist: a refusal that reached them would add to them.
    await call('PUT', '/cart/items/EDGE-WARM', customer, { quantity: 1 });
    await call('POST', '/checkout', customer, {}, { 'Idempotency-Key': 'edge-warm-key-0000000001' });
  });

  it.each([
    ['a missing required field', {}],
    ['a field of the wrong type', { quantity: 'two' }],
    ['an unknown field', { quantity: 1, unitPrice: 1 }],
    ['a quantity out of range', { quantity: 1000 }],
  ])('PUT /cart/items/{sku} with %s is refused by the gateway (BAD_REQUEST_BODY), no Lambda invoked', async (_what, body) => {
    const before = logSize('PutCartItem');
    const response = await call('PUT', '/cart/items/MUG-1', customer, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, detail: 'Invalid request body' });
    expect(logSize('PutCartItem')).toBe(before);
  });

  it('POST /checkout without Idempotency-Key is refused by the gateway (BAD_REQUEST_PARAMETERS), no Lambda invoked', async () => {
    const before = logSize('CreateCheckout');
    const response = await call('POST', '/checkout', customer, {});
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, detail: 'Missing required request parameters: [Idempotency-Key]' });
    expect(logSize('CreateCheckout')).toBe(before);
  });

  it('a body the model accepts still reaches the handler, which applies the rest of its schema', async () => {
    const before = logSize('PutCartItem');
    const response = await call('PUT', '/cart/items/NO-SUCH-SKU-EDGE', customer, { quantity: 1 });
    expect(response.status).not.toBe(400);
    expect(response.status).toBeLessThan(500);
    expect(logSize('PutCartItem')).toBeGreaterThan(before);
  });
});
