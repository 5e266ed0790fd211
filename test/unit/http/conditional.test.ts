import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { NotFoundError } from '../../../shared/domain/errors';
import { ifNoneMatchMatches, publicCacheControl, strongEtag } from '../../../shared/http/conditional';
import { httpHandler } from '../../../shared/http/http-handler';
import { logger } from '../../../shared/observability/powertools';

const context = { functionName: 'test', awsRequestId: 'aws-request-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function get(headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    resource: '/products/{productId}',
    path: '/products/p1',
    httpMethod: 'GET',
    headers,
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-1', path: '/v1/products/p1' } as APIGatewayProxyEvent['requestContext'],
  };
}

const cache = { maxAgeSeconds: 30, staleWhileRevalidateSeconds: 15 };
let product: { name: string; available: number } | undefined = { name: 'Tea bowl', available: 5 };
const cached = httpHandler({}, async () => {
  if (!product) throw new NotFoundError('Product p1 not found');
  return { status: 200, body: product, cache };
});
const personal = httpHandler({}, async () => ({ status: 200, body: { sub: 'u1' } }));
const call = (h: typeof cached, e: APIGatewayProxyEvent) => h(e, context) as Promise<APIGatewayProxyResult>;
const header = (r: APIGatewayProxyResult, name: string) => r.headers?.[name] as string | undefined;

describe('entity tags and If-None-Match (RFC 9110)', () => {
  it('a strong tag is quoted, the same for the same bytes and different for any changed byte', () => {
    expect(strongEtag('{"a":1}')).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(strongEtag('{"a":1}')).toBe(strongEtag('{"a":1}'));
    expect(strongEtag('{"a":1}')).not.toBe(strongEtag('{"a":2}'));
  });

  it.each([
    ['the tag itself', '"abc"', true],
    ['a weak tag with the same opaque value (weak comparison)', 'W/"abc"', true],
    ['a list holding it', '"x", W/"y",  "abc"', true],
    ['a list without spaces', '"x","abc"', true],
    ['*', '*', true],
    ['*, with spaces', '  * ', true],
    ['another tag', '"abd"', false],
    ['a list without it', '"x", "y"', false],
    ['the value unquoted (malformed)', 'abc', false],
    ['an empty header', '', false],
    ['a tag that only contains it', '"xabcx"', false],
  ])('If-None-Match with %s: match is %s', (_name, value, expected) => {
    expect(ifNoneMatchMatches(value, '"abc"')).toBe(expected);
  });

  it('no header matches nothing', () => {
    expect(ifNoneMatchMatches(undefined, '"abc"')).toBe(false);
  });

  it('Cache-Control is public with max-age, and stale-while-revalidate only when set', () => {
    expect(publicCacheControl({ maxAgeSeconds: 30, staleWhileRevalidateSeconds: 30 })).toBe('public, max-age=30, stale-while-revalidate=30');
    expect(publicCacheControl({ maxAgeSeconds: 10, staleWhileRevalidateSeconds: 0 })).toBe('public, max-age=10');
  });
});

describe('a cacheable answer through the shared HTTP stack', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));
  beforeEach(() => {
    product = { name: 'Tea bowl', available: 5 };
  });

  it('a 200 carries a strong ETag over its exact body and the public Cache-Control', async () => {
    const res = await call(cached, get());
    expect(res.statusCode).toBe(200);
    expect(header(res, 'ETag')).toBe(strongEtag(res.body));
    expect(header(res, 'Cache-Control')).toBe('public, max-age=30, stale-while-revalidate=15');
    expect(header(res, 'Content-Type')).toBe('application/json');
  });

  it('If-None-Match naming the current tag is 304 with no body and the same ETag and Cache-Control', async () => {
    const first = await call(cached, get());
    const etag = header(first, 'ETag') as string;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"stale", ${etag}`, '*']) {
      const res = await call(cached, get({ 'If-None-Match': ifNoneMatch }));
      expect(res.statusCode).toBe(304);
      expect(res.body).toBe('');
      expect(header(res, 'ETag')).toBe(etag);
      expect(header(res, 'Cache-Control')).toBe(header(first, 'Cache-Control'));
      expect(header(res, 'Content-Type')).toBeUndefined();
    }
  });

  it('a changed body changes the tag, so the old tag gets the full answer', async () => {
    const first = await call(cached, get());
    product = { name: 'Tea bowl', available: 4 };
    const res = await call(cached, get({ 'if-none-match': header(first, 'ETag') as string }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ name: 'Tea bowl', available: 4 });
    expect(header(res, 'ETag')).not.toBe(header(first, 'ETag'));
  });

  it('an error is never cacheable, If-None-Match or not: no-store and no ETag', async () => {
    product = undefined;
    const res = await call(cached, get({ 'If-None-Match': '*' }));
    expect(res.statusCode).toBe(404);
    expect(header(res, 'Cache-Control')).toBe('no-store');
    expect(header(res, 'ETag')).toBeUndefined();
  });

  it('an answer that is not declared cacheable says no-store and ignores If-None-Match', async () => {
    const res = await call(personal, get({ 'If-None-Match': '*' }));
    expect(res.statusCode).toBe(200);
    expect(header(res, 'Cache-Control')).toBe('no-store');
    expect(header(res, 'ETag')).toBeUndefined();
  });
});
