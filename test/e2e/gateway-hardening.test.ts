import { testEndpoints } from '../support/endpoints';
import { cognitoClient, signIn } from '../support/identity';
import { type RawResponse, rawHttp, rawRequest } from '../support/raw-http';

/**
 * What an attacker sends the local API Gateway over real HTTP: names that are Object.prototype members, malformed
 * percent-encoding, quotes in the path, oversized headers, malformed HTTP. Every answer is a 4xx problem+json whose
 * `status` is the HTTP status, whose `instance` is the path without the query string, and which shows no internals;
 * never a 5xx, never an empty reply.
 */
describe('the local API Gateway answers hostile requests as API Gateway does', () => {
  const endpoints = testEndpoints();
  const api = new URL(endpoints.apiUrl);
  const port = Number(api.port);
  const get = (target: string, headers: ReadonlyArray<readonly [string, string]> = []) => rawHttp(port, 'GET', target, headers);

  /**
   * A client error answered as problem+json, nothing leaked; returns the problem. One the gateway produced itself
   * (`by: 'gateway'`) also carries the request id as correlationId; a function's validation problem need not.
   */
  function expectProblem(response: RawResponse, status: number, instance: string, by: 'gateway' | 'function' = 'gateway'): Record<string, unknown> {
    expect({ status: response.status, contentType: response.headers['content-type'] }).toEqual({ status, contentType: 'application/problem+json' });
    const problem = JSON.parse(response.text) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: expect.stringMatching(/^https:\/\/stockade\.dev\/problems\//),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance,
    });
    if (by === 'gateway') expect(problem.correlationId).toBe(response.headers['x-amzn-requestid']);
    expect(response.text).not.toMatch(/secret-marker|\bat [\w.<>]+ \(|\.[cm]?[jt]s:\d|node_modules|\/work\/|Error:/);
    return problem;
  }

  describe('query keys and header names are data', () => {
    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
      'GET /products?%s=… is refused 400 by the strict query schema',
      async (name) => {
        const response = await get(`/products?${name}=x&limit=2`);
        const problem = expectProblem(response, 400, '/products', 'function');
        expect(problem.errors).toEqual([expect.objectContaining({ message: expect.stringContaining(name) })]);
      },
    );

    it('a repeated prototype-named query key is refused the same way', async () => {
      expectProblem(await get('/products?constructor=1&constructor=2&toString=3'), 400, '/products', 'function');
    });

    it('headers named constructor, __proto__ and toString reach the function as plain headers', async () => {
      const response = await get('/products?limit=1', [
        ['constructor', 'x'],
        ['__proto__', 'y'],
        ['toString', '1'],
        ['hasOwnProperty', 'z'],
      ]);
      expect(response.status).toBe(200);
      expect((JSON.parse(response.text) as { items: unknown[] }).items).toHaveLength(1);
    });
  });

  describe('malformed percent-encoding in the path', () => {
    it.each(['%ff', '%E0%A4%A', '%C0%AF', '%zz'])(
      "GET /products/%s is API Gateway's own 400, rendered through the stack's gateway responses",
      async (segment) => {
        const response = await get(`/products/${segment}?secret-marker=1`);
        expectProblem(response, 400, `/products/${segment}`);
      },
    );

    it('the same path on a member route is refused before the authorizer runs', async () => {
      expectProblem(await get('/orders/%E0%A4%A'), 400, '/orders/%E0%A4%A');
    });

    it('a well-formed escape still reaches the function, which answers for itself', async () => {
      const response = await get('/products/no-such-%C3%A9');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers['x-amzn-errortype']).toBeUndefined();
      expectProblem(response, response.status, '/products/no-such-%C3%A9', 'function');
    });
  });

  describe('quotes and backslashes in the path cannot break the problem JSON', () => {
    it('an unknown route answers 404 with the path percent-encoded in instance', async () => {
      const problem = expectProblem(await get('/no-such/"},"status":200,"x":"\\?secret-marker'), 404, '/no-such/%22%7D,%22status%22:200,%22x%22:%22/');
      expect(problem.status).toBe(404);
    });

    it('a product id made of JSON syntax is answered 4xx problem+json', async () => {
      const response = await get('/products/"},"a":"%22');
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expectProblem(response, response.status, '/products/%22%7D,%22a%22:%22%22', response.headers['x-amzn-errortype'] ? 'gateway' : 'function');
    });
  });

  describe('header size', () => {
    it("header values within API Gateway's 10,240 bytes pass", async () => {
      expect((await get('/health', [['X-Filler', 'a'.repeat(9_000)]])).status).toBe(200);
    });

    it("a 20 KB header is refused 431 as problem+json, not Node's empty 431", async () => {
      expectProblem(await get('/health?secret-marker=1', [['X-Filler', 'a'.repeat(20 * 1024)]]), 431, '/health');
    });

    it('several headers that together pass 10,240 bytes of values are refused 431', async () => {
      const headers = Array.from({ length: 6 }, (_, i): [string, string] => [`X-Part-${i}`, 'b'.repeat(2_000)]);
      expectProblem(await get('/health', headers), 431, '/health');
    });

    it('a header section too large for the HTTP parser is still answered 431 as problem+json', async () => {
      expectProblem(await get('/health?secret-marker=1', [['X-Filler', 'a'.repeat(100 * 1024)]]), 431, '/');
    });
  });

  describe('malformed HTTP', () => {
    it.each([
      ['an unknown HTTP version', 'GET /health?secret-marker=1 HTTP/9.9\r\nHost: x\r\n\r\n', '/health'],
      ['a space in the request target', 'GET /he alth HTTP/1.1\r\nHost: x\r\n\r\n', '/'],
      ['no request line', 'NOT HTTP AT ALL\r\n\r\n', '/'],
      ['a header name with a space', 'GET /health?secret-marker=1 HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n', '/health'],
    ])('%s is answered 400 as problem+json instead of a silent close', async (_case, bytes, instance) => {
      expectProblem(await rawRequest(port, bytes), 400, instance);
    });
  });

  describe('header names are case-insensitive', () => {
    let accessToken = '';
    beforeAll(async () => {
      const users = endpoints.users;
      if (!users) throw new Error('endpoints.json has no demo users: the runtime did not start identity');
      const client = cognitoClient();
      try {
        accessToken = await signIn(client, users.customer);
      } finally {
        client.destroy();
      }
    }, 30_000);

    it('GET /me with the token under Authorization answers 200 (control)', async () => {
      const response = await get('/me', [['Authorization', `Bearer ${accessToken}`]]);
      expect(response.status).toBe(200);
    });

    // The gateway matches the identity source case-insensitively and passes the header to the authorizer as sent;
    // the authorizer function must then read it whatever its case.
    it('GET /me with the token under AUTHORIZATION answers 200', async () => {
      const response = await get('/me', [['AUTHORIZATION', `Bearer ${accessToken}`]]);
      expect({ status: response.status, body: response.status === 200 ? undefined : response.text }).toEqual({ status: 200, body: undefined });
      expect(JSON.parse(response.text)).toMatchObject({ groups: ['customer'] });
    });

    it('GET /me without the header is refused 401 by the gateway as problem+json', async () => {
      expectProblem(await get('/me?secret-marker=1'), 401, '/me');
    });
  });
});
