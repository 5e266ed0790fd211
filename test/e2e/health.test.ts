import { testEndpoints } from '../support/endpoints';

/** GET /health through the emulated API Gateway, the shared middy stack and the function's bundle from cdk.out. */
describe('GET /health over HTTP', () => {
  const { apiUrl } = testEndpoints();

  it('answers 200 { status: "ok" } with security headers and no caching', async () => {
    const response = await fetch(`${apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('allows a configured CORS origin and not another', async () => {
    const allowed = await fetch(`${apiUrl}/health`, { headers: { Origin: 'http://localhost:3000' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    const other = await fetch(`${apiUrl}/health`, { headers: { Origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('answers an unknown route with 404 problem+json from the gateway, without reaching any function', async () => {
    const response = await fetch(`${apiUrl}/no-such-route`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ type: 'https://stockade.dev/problems/not-found', title: 'Not found', status: 404, instance: '/no-such-route' });
    expect(problem.correlationId).toBe(response.headers.get('x-amzn-requestid'));
  });

  it('answers a method the route does not have with the same 404', async () => {
    const response = await fetch(`${apiUrl}/health`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses a body over the API Gateway 10 MB limit with 413 problem+json', async () => {
    const response = await fetch(`${apiUrl}/health`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x61) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { type: string }).type).toBe('https://stockade.dev/problems/payload-too-large');
  });
});
