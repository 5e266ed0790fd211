import httpCors from '@middy/http-cors';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from '../validation/zod';
import { integerEnv, optionalEnv } from '../config/env';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../domain/errors';
import { withPowertools } from '../handlers/powertools';
import { ifNoneMatchMatches, NO_STORE, type PublicCachePolicy, publicCacheControl, strongEtag } from './conditional';
import { problemErrorMapper } from './problem-error-mapper';
import { type WebhookName, webhookRefusals } from './webhook-refusals';
import { zodFieldErrors } from './zod-errors';
import { ENV } from '../config/env-names';
// Readable stack traces in the logs, paid for at the first logged error rather than at every cold start.
import '../observability/source-mapped-stacks';

/** What a route declares about its input; each part is a strict zod schema. */
export interface RouteSchemas<B extends z.ZodMiniType, Q extends z.ZodMiniType, P extends z.ZodMiniType> {
  readonly body?: B;
  /** Hand the handler the body as received (webhooks verify signatures over the exact bytes). */
  readonly rawBody?: true;
  /** A webhook route: its signature failures and malformed events are counted and logged as such (webhookRefusals). */
  readonly webhook?: WebhookName;
  readonly query?: Q;
  readonly path?: P;
}

export interface HttpRequest<B, Q, P> {
  readonly body: B;
  readonly query: Q;
  readonly path: P;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received, when the route asked for rawBody. */
  readonly rawBody?: string;
  readonly event: APIGatewayProxyEvent;
  readonly context: Context;
}

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /**
   * A public answer any shared cache may keep (a 200 that is the same for every caller): it gets a strong ETag over
   * its body and this Cache-Control, and a request whose If-None-Match matches is answered 304 with no body. Without
   * it an answer says `Cache-Control: no-store` unless its headers name one.
   */
  readonly cache?: PublicCachePolicy;
}

type Infer<T> = T extends z.ZodMiniType ? z.infer<T> : undefined;

const maxBodyBytes = integerEnv(ENV.STOCKADE_MAX_BODY_BYTES, 16_384);
const corsOrigins = optionalEnv(ENV.STOCKADE_CORS_ORIGINS, '')
  .split(',')
  .map((o) => o.trim())
  .filter(Boolean);

/**
 * The shared middy stack for API handlers: Powertools logger (correlation id = API Gateway request id, trace id on every line) and
 * metrics; header normalization; body size limit and strict JSON parsing; zod validation of body, query and path;
 * problem+json for every error (no internals in 5xx); security and CORS headers on every response.
 */
export function httpHandler<B extends z.ZodMiniType = never, Q extends z.ZodMiniType = never, P extends z.ZodMiniType = never>(
  schemas: RouteSchemas<B, Q, P>,
  handle: (request: HttpRequest<Infer<B>, Infer<Q>, Infer<P>>) => Promise<HttpResult>,
) {
  const core = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const headers = (event.headers ?? {}) as Record<string, string | undefined>;
    const request: HttpRequest<Infer<B>, Infer<Q>, Infer<P>> = {
      body: (schemas.rawBody ? undefined : parseBody(schemas.body, event, headers)) as Infer<B>,
      ...(schemas.rawBody ? { rawBody: rawBodyOf(event) } : {}),
      query: parsePart(schemas.query, event.queryStringParameters ?? {}, 'query') as Infer<Q>,
      path: parsePart(schemas.path, event.pathParameters ?? {}, 'path') as Infer<P>,
      headers,
      event,
      context,
    };
    const result = await handle(request);
    const body = result.body === undefined ? '' : JSON.stringify(result.body);
    const contentType: Record<string, string> = result.body === undefined ? {} : { 'Content-Type': 'application/json' };
    if (result.cache && result.status === 200) {
      const etag = strongEtag(body);
      const validators = { ...result.headers, ETag: etag, 'Cache-Control': publicCacheControl(result.cache) };
      // 304 carries the validators and caching headers the 200 would have, and no body (RFC 9110 15.4.5).
      if (ifNoneMatchMatches(headers['if-none-match'], etag)) return { statusCode: 304, headers: validators, body: '' };
      return { statusCode: result.status, headers: { ...contentType, ...validators }, body };
    }
    const cacheControl: Record<string, string> = Object.keys(result.headers ?? {}).some((h) => h.toLowerCase() === 'cache-control')
      ? {}
      : { 'Cache-Control': NO_STORE };
    return { statusCode: result.status, headers: { ...contentType, ...cacheControl, ...result.headers }, body };
  };

  const handler = withPowertools(core, { correlationId: (event) => event.requestContext?.requestId })
    // A storefront script may keep a catalog answer's ETag and send it back in If-None-Match itself.
    .use(httpCors({ origins: corsOrigins, headers: 'Content-Type,Authorization,Idempotency-Key,If-None-Match', exposeHeaders: 'ETag' }))
    .use(httpSecurityHeaders())
    .use(problemErrorMapper())
    .use(httpHeaderNormalizer());
  // onError runs last-registered first: the refusal is counted before the mapper answers it.
  return schemas.webhook ? handler.use(webhookRefusals(schemas.webhook)) : handler;
}

function parseBody(schema: z.ZodMiniType | undefined, event: APIGatewayProxyEvent, headers: Record<string, string | undefined>): unknown {
  const raw = event.body ?? '';
  const size = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8');
  if (size > maxBodyBytes) throw new PayloadTooLargeError(`The body is ${size} bytes; the limit is ${maxBodyBytes}`);
  if (!schema) {
    if (raw.length > 0) throw new ValidationError('This route takes no request body');
    return undefined;
  }
  const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw.length > 0 && mediaType !== 'application/json' && !(mediaType.startsWith('application/') && mediaType.endsWith('+json'))) {
    throw new UnsupportedMediaTypeError('Send the body as application/json');
  }
  let parsed: unknown;
  try {
    const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    parsed = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new ValidationError('The body is not valid JSON');
  }
  return parsePart(schema, parsed, 'body');
}

function rawBodyOf(event: APIGatewayProxyEvent): string {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > maxBodyBytes) throw new PayloadTooLargeError(`The body is larger than ${maxBodyBytes} bytes`);
  return text;
}

function parsePart(schema: z.ZodMiniType | undefined, value: unknown, where: 'body' | 'query' | 'path'): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`The request ${where} is invalid`, zodFieldErrors(result.error, where));
  return result.data;
}
