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

  it('answers an unknown route without reaching any function', async () => {
    const response = await fetch(`${apiUrl}/no-such-route`);
    expect([403, 404]).toContain(response.status);
    expect(response.headers.get('x-amzn-errortype')).toBe('MISSING_AUTHENTICATION_TOKEN');
  });

  it('answers a method the route does not have like API Gateway does', async () => {
    const response = await fetch(`${apiUrl}/health`, { method: 'DELETE' });
    expect(response.headers.get('x-amzn-errortype')).toBe('MISSING_AUTHENTICATION_TOKEN');
  });
});
