import { TransientError } from '../../../shared/domain/orders/saga-errors';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import * as z from '../../../shared/validation/zod';
import { ConflictError, NotFoundError } from '../../../shared/domain/errors';
import { httpHandler } from '../../../shared/http/http-handler';
import { logger } from '../../../shared/observability/powertools';

const context = { functionName: 'test', awsRequestId: 'aws-request-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function event(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    resource: '/things',
    path: '/things',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-123', path: '/v1/things' } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

const Body = z.strictObject({ name: z.string().check(z.minLength(1)), quantity: z.number().check(z.int(), z.minimum(1), z.maximum(99)) });
const handler = httpHandler({ body: Body }, async ({ body }) => ({ status: 201, body: { received: body } }));

async function call(h: (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>, e: APIGatewayProxyEvent) {
  const result = await h(e, context);
  return { ...result, json: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : undefined };
}

describe('the shared HTTP middleware stack', () => {
  beforeAll(() => logger.setLogLevel('SILENT'));

  it('passes a valid body to the handler and answers JSON', async () => {
    const res = await call(handler, event({ body: JSON.stringify({ name: 'mug', quantity: 2 }) }));
    expect(res.statusCode).toBe(201);
    expect(res.json).toEqual({ received: { name: 'mug', quantity: 2 } });
    expect(res.headers?.['Content-Type']).toBe('application/json');
  });

  it('rejects unknown fields (strict schemas) with 400 problem+json listing them', async () => {
    const res = await call(handler, event({ body: JSON.stringify({ name: 'mug', quantity: 2, price: 1 }) }));
    expect(res.statusCode).toBe(400);
    expect(res.headers?.['Content-Type']).toBe('application/problem+json');
    expect(res.json).toMatchObject({ type: 'https://stockade.dev/problems/validation', status: 400, instance: '/things' });
    expect(res.json?.errors).toEqual([{ path: 'body', message: 'Unknown field(s): price' }]);
  });

  it('names the invalid field', async () => {
    const res = await call(handler, event({ body: JSON.stringify({ name: 'mug', quantity: 100 }) }));
    expect(res.statusCode).toBe(400);
    expect((res.json?.errors as Array<{ path: string }>).map((e) => e.path)).toEqual(['body.quantity']);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await call(handler, event({ body: '{"name": "mug",' }));
    expect(res.statusCode).toBe(400);
    expect(res.json?.detail).toBe('The body is not valid JSON');
  });

  it('answers a non-JSON media type with 415', async () => {
    const res = await call(handler, event({ headers: { 'Content-Type': 'text/plain' }, body: 'name=mug' }));
    expect(res.statusCode).toBe(415);
  });

  it('answers a body over the configured limit with 413 before parsing it', async () => {
    const res = await call(handler, event({ body: JSON.stringify({ name: 'x'.repeat(20_000), quantity: 1 }) }));
    expect(res.statusCode).toBe(413);
  });

  it('maps domain errors to their status with their message', async () => {
    const notFound = httpHandler({}, async () => {
      throw new NotFoundError('Order 01J not found');
    });
    const conflict = httpHandler({}, async () => {
      throw new ConflictError('Only 3 left');
    });
    expect((await call(notFound, event({ httpMethod: 'GET', body: null }))).json).toMatchObject({ status: 404, detail: 'Order 01J not found' });
    expect((await call(conflict, event({ httpMethod: 'GET', body: null }))).statusCode).toBe(409);
  });

  it('answers a transient failure (a contended transaction, a provider timeout) with 503 and Retry-After', async () => {
    const contended = httpHandler({}, async () => {
      throw new TransientError('The transaction lost to a concurrent one (TransactionConflict)');
    });
    const res = await call(contended, event({ httpMethod: 'POST', body: null }));
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('1');
    expect(res.json).toMatchObject({ status: 503, type: 'https://stockade.dev/problems/unavailable', correlationId: 'req-123' });
    expect(res.body).not.toContain('TransactionConflict');
  });

  it('answers an unexpected error with a generic 500 that carries only the correlation id, and logs the error in full', async () => {
    const spy = jest.spyOn(logger, 'error');
    const failing = httpHandler({}, async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
    });
    const res = await call(failing, event({ httpMethod: 'GET', body: null }));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('ECONNREFUSED');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toMatch(/at .*\.ts:\d+/);
    expect(res.json).toMatchObject({ status: 500, correlationId: 'req-123' });
    expect(spy).toHaveBeenCalledWith('Unhandled error', expect.objectContaining({ error: expect.any(Error) }));
    spy.mockRestore();
  });

  it("logs API Gateway's request id as the correlation id of every line of the invocation, and only of that invocation", async () => {
    const seen: Array<string | undefined> = [];
    const logging = httpHandler({}, async () => {
      seen.push(logger.getCorrelationId() as string | undefined);
      return { status: 200, body: {} };
    });
    await call(logging, event({ httpMethod: 'GET', body: null }));
    await call(logging, event({ httpMethod: 'GET', body: null, requestContext: { requestId: 'req-456' } as APIGatewayProxyEvent['requestContext'] }));
    expect(seen).toEqual(['req-123', 'req-456']);
    // Keys are reset when an invocation ends, the correlation id with them.
    expect(logger.getCorrelationId()).toBeUndefined();
  });

  it('adds security headers to error responses too', async () => {
    const res = await call(handler, event({ body: '{' }));
    expect(res.headers?.['X-Content-Type-Options'] ?? res.headers?.['x-content-type-options']).toBe('nosniff');
  });
});
