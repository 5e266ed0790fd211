import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { testEndpoints } from '../support/endpoints';
import { responseProblem } from '../support/openapi-responses';

/** GET /openapi.json through the emulated API Gateway: the committed document, public, valid OpenAPI 3.1. */
describe('GET /openapi.json over HTTP', () => {
  const { apiUrl } = testEndpoints();
  const committed = JSON.parse(readFileSync(path.join(__dirname, '../../docs/openapi.json'), 'utf8')) as Record<string, unknown>;

  it('answers the committed document without a token, and it validates as OpenAPI 3.1', async () => {
    const response = await fetch(`${apiUrl}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    const served = (await response.json()) as Record<string, unknown>;
    expect(served).toEqual(committed);
    const result = await new Validator().validate(served as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
  });
});

describe('the response check every e2e test runs', () => {
  it('names the route, the status and the mismatch', () => {
    expect(responseProblem({ method: 'GET', path: '/health', status: 418, contentType: 'application/json', text: '{}' })).toMatch(
      /^GET \/health \(GET \/health\) answered 418, a status the OpenAPI document does not list/,
    );
    expect(responseProblem({ method: 'GET', path: '/health', status: 200, contentType: 'application/json', text: '{"status":"ok","extra":1}' })).toMatch(
      /GET \/health .* answered 200 with a application\/json body that does not match the document's schema: \(body\) must NOT have additional properties/,
    );
    expect(responseProblem({ method: 'GET', path: '/products/01ARZ3NDEKTSV4RRFFQ69G5FAV', status: 404, contentType: 'text/html', text: '<p>' })).toMatch(
      /GET \/products\/\{productId\} .* answered 404 as text\/html, where the document says application\/problem\+json/,
    );
    expect(responseProblem({ method: 'GET', path: '/health', status: 200, contentType: 'application/json', text: '{"status":"ok"}' })).toBeUndefined();
  });
});
