/**
 * The OpenAPI 3.1 document of the API, written from the tables the code runs on: the access table (ROUTE_POLICIES:
 * who may call a route), what each route reads (ROUTE_SCHEMAS) and answers (ROUTE_RESPONSES). Every schema in it is
 * zod's own JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of the schema the handler validates with or the
 * view it returns: nothing is written twice. `npm run openapi` writes it to docs/openapi.json; GET /openapi.json
 * serves that file; the e2e suite checks every response it receives against it.
 */
import { PRIVILEGED_GROUPS } from '../domain/access/access-policy';
import { type KnownRoute, ROUTE_POLICIES, type RouteAccess } from '../domain/access/route-policies';
import { INVENTORY_SIGNATURE_HEADER, INVENTORY_SIGNATURE_TOLERANCE_SECONDS, INVENTORY_TIMESTAMP_HEADER } from '../domain/inventory/webhook-signature';
import { StripeEventEnvelopeSchema } from '../schemas/payment-events';
import { ProblemSchema } from '../schemas/responses';
import { ROUTE_RESPONSES, type RouteResponse } from '../schemas/route-responses';
import { ROUTE_SCHEMAS, type RouteSchemas } from '../schemas/routes';
import * as z from '../validation/zod';

type Json = Record<string, unknown>;

export interface OpenApiOptions {
  /** The API's version (package.json). */
  readonly version: string;
}

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const PROBLEM_TYPES = 'https://stockade.dev/problems/';

/** Why each refusal status is answered; the problem's `type` says which case it is. */
const REFUSALS: Readonly<Record<number, string>> = {
  400: 'Invalid request: the path, query, headers or body fail their schema (API Gateway answers a body or a required header it refuses itself, before any function runs)',
  401: 'No verified identity: the bearer token is missing, malformed, expired or not an access token',
  403: "Forbidden: the caller's groups, MFA, network or hours do not allow this route, or the firewall refused the request",
  404: 'Not found, or not the caller\u2019s to see (never says which)',
  409: 'Conflict: the state changed under the request (stock, a concurrent change, a reused Idempotency-Key)',
  413: 'The body is larger than the limit',
  415: 'The body is not application/json',
  422: 'Well-formed, but a business rule refuses it',
  431: "The request's headers are too large: API Gateway's front door refuses them before routing",
  429: 'Throttled by the stage\u2019s rate limit; retry later',
  500: 'Internal error: quote the correlationId',
  502: 'The function behind the route failed',
  503: 'A dependency was briefly unavailable; retrying the same request is safe (Retry-After)',
  504: 'The function behind the route did not answer in time',
};

/** zod's JSON Schema of a schema, without the `$schema` keyword (the document's dialect is 2020-12 already). */
function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  return rest;
}

/** Path and query parameters: one per property of the route's object schema, required as the schema says. */
function parametersOf(where: 'path' | 'query', schema: z.ZodMiniType | undefined): Json[] {
  if (!schema) return [];
  const object = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as Json & { description?: string };
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const IF_NONE_MATCH: Json = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  description: 'ETags of copies the caller holds (a list, or *): when one is current, the answer is 304 with no body (weak comparison, RFC 9110)',
  schema: { type: 'string' },
};

function headerParameters(schemas: RouteSchemas, response: RouteResponse): Json[] {
  const conditional = response.cacheable ? [IF_NONE_MATCH] : [];
  const key = schemas.idempotencyKey;
  if (!key) return conditional;
  return [
    ...conditional,
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: key.required,
      description: key.required
        ? 'The same key and body answer the same result; another body with that key is 409.'
        : 'Optional: a retried request with the same key does the work once.',
      schema: jsonSchema(key.schema, 'input'),
    },
  ];
}

function signatureHeaders(webhook: 'stripe' | 'inventory'): Json[] {
  if (webhook === 'stripe') {
    return [
      {
        name: 'Stripe-Signature',
        in: 'header',
        required: true,
        description: "Stripe's signature of the raw body (`t=<unix seconds>,v1=<hex HMAC-SHA256>`), made with the endpoint's signing secret.",
        schema: { type: 'string', minLength: 1 },
      },
    ];
  }
  return [
    {
      name: INVENTORY_TIMESTAMP_HEADER,
      in: 'header',
      required: true,
      description: `When the provider signed, in unix seconds; refused more than ${INVENTORY_SIGNATURE_TOLERANCE_SECONDS} s away from now.`,
      schema: { type: 'string', pattern: '^[0-9]{1,12}$' },
    },
    {
      name: INVENTORY_SIGNATURE_HEADER,
      in: 'header',
      required: true,
      description:
        "`v1=<hex HMAC-SHA256 of '<timestamp>.<raw body>'>` with the provider's secret; during a rotation several `v1=` values may be sent, comma-separated.",
      schema: { type: 'string', minLength: 1 },
    },
  ];
}

/** The statuses a route may be refused with, beyond its own use case's refusals. */
function refusalsOf(access: RouteAccess, schemas: RouteSchemas, response: RouteResponse): number[] {
  const statuses = new Set<number>([400, 403, 413, 429, 431, 500, 502, 503, 504]);
  if (access.kind !== 'public') statuses.add(401);
  if (schemas.body || schemas.webhook) statuses.add(415);
  if (schemas.path || access.kind === 'member') statuses.add(404);
  for (const s of response.refusals ?? []) statuses.add(s);
  return [...statuses].sort((a, b) => a - b);
}

function accessExtension(access: RouteAccess): Json {
  if (access.kind !== 'member') return { 'x-stockade-access': { kind: access.kind } };
  const mfa = access.groups.filter((g) => PRIVILEGED_GROUPS.includes(g));
  const adminOnly = access.groups.every((g) => g === 'admin');
  return {
    security: [{ cognito: [] }],
    'x-stockade-access': {
      kind: 'member',
      groups: [...access.groups],
      /** Members of these groups must have signed in with MFA (TOTP). */
      mfa,
      ...(adminOnly ? { network: "the stage's admin allow-list (and admin hours, if configured)" } : {}),
    },
  };
}

function tagOf(path: string): string {
  const first = path.split('/')[1] ?? '';
  if (first === 'health' || first === 'openapi.json') return 'platform';
  if (first === 'products') return 'catalog';
  if (first === 'me') return 'identity';
  return first;
}

function operationId(route: string): string {
  const words = route
    .replace(/[{}]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return words.map((w, i) => (i === 0 ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

/** The validator and caching headers of a cacheable answer, on its 200 and its 304 alike. */
const CACHE_HEADERS: Json = {
  ETag: { description: 'A strong entity tag of the body: send it back in If-None-Match to be answered 304 while it is current', schema: { type: 'string' } },
  'Cache-Control': {
    description: "Public: shared caches (the stage's CDN, browsers) may keep the answer for max-age seconds (stale-while-revalidate beyond it)",
    schema: { type: 'string' },
  },
};

function responsesOf(response: RouteResponse, refusals: readonly number[]): Json {
  const headers: Json = {
    ...(response.location ? { Location: { description: 'Where the created resource is read', schema: { type: 'string' } } } : {}),
    ...(response.cacheable ? CACHE_HEADERS : {}),
  };
  const success: Json = {
    description: response.description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(response.schema ? { content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } } } : {}),
  };
  const out: Json = { [String(response.status)]: success };
  if (response.cacheable) out['304'] = { description: 'Not modified: If-None-Match names the current ETag; no body', headers: CACHE_HEADERS };
  for (const status of refusals) {
    out[String(status)] = {
      description: REFUSALS[status] ?? 'Refused',
      ...(status === 503 ? { headers: { 'Retry-After': { schema: { type: 'string' } } } } : {}),
      content: { 'application/problem+json': { schema: PROBLEM_REF } },
    };
  }
  return out;
}

function requestBodyOf(schemas: RouteSchemas): Json | undefined {
  if (schemas.webhook === 'stripe') {
    return { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/StripeEvent' } } } };
  }
  if (!schemas.body) return undefined;
  const schema = jsonSchema(schemas.body, 'input');
  // A body the handler reads as {} when absent (every property optional) may be left out.
  const required = Array.isArray(schema.required) && schema.required.length > 0;
  return { required, content: { 'application/json': { schema } } };
}

function operationOf(route: KnownRoute, response: RouteResponse): Json {
  const access: RouteAccess = ROUTE_POLICIES[route];
  const schemas = ROUTE_SCHEMAS[route];
  const path = route.slice(route.indexOf(' ') + 1);
  const body = requestBodyOf(schemas);
  const parameters = [
    ...parametersOf('path', schemas.path),
    ...parametersOf('query', schemas.query),
    ...headerParameters(schemas, response),
    ...(schemas.webhook ? signatureHeaders(schemas.webhook) : []),
  ];
  return {
    operationId: operationId(route),
    tags: [tagOf(path)],
    summary: response.description,
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: responsesOf(response, refusalsOf(access, schemas, response)),
    ...accessExtension(access),
  };
}

/** The routes the document describes: every route of the access table whose answer ROUTE_RESPONSES describes. */
export function documentedRoutes(): KnownRoute[] {
  return (Object.keys(ROUTE_POLICIES) as KnownRoute[]).filter((route) => ROUTE_RESPONSES[route] !== undefined);
}

/** The OpenAPI 3.1 document of the API. */
export function openApiDocument(options: OpenApiOptions): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of documentedRoutes()) {
    const [method = '', path = ''] = route.split(' ');
    const response = ROUTE_RESPONSES[route] as RouteResponse;
    (paths[path] ??= {})[method.toLowerCase()] = operationOf(route, response);
  }
  const webhookResponses = (route: KnownRoute): Json => {
    const response = ROUTE_RESPONSES[route] as RouteResponse;
    return responsesOf(response, refusalsOf(ROUTE_POLICIES[route], ROUTE_SCHEMAS[route], response));
  };
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Stockade API',
      version: options.version,
      summary: 'Serverless commerce backend: catalog, carts, orders paid with Stripe, vendor and admin operations.',
      description:
        'Amounts are integers in minor units of an ISO 4217 currency, by its exponent (amount 3600 with EUR is 36.00 EUR; 500 with JPY is 500 JPY). Every error is RFC 9457 problem+json. Member routes take a Cognito access token as a bearer token; `x-stockade-access` names the groups a route admits and the groups whose members must have signed in with MFA.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      // A deployed stage's URL is its own (the REST API's stage URL, ending in /v1); the document names no AWS host,
      // which the fuzz suite's no-leak invariant refuses in any answer.
      { url: '{stageUrl}', description: "A deployed stage: the API stack's URL", variables: { stageUrl: { default: 'https://api.example.com/v1' } } },
      {
        // The local runtime listens on loopback only, over plain HTTP.
        // eslint-disable-next-line @microsoft/sdl/no-insecure-url
        url: 'http://127.0.0.1:{port}',
        description: 'The local runtime (`npm start`; the port is in .stockade/endpoints.json)',
        variables: { port: { default: '3000' } },
      },
    ],
    tags: [
      { name: 'platform', description: 'Liveness and this document' },
      { name: 'catalog', description: 'Products and their SKUs' },
      { name: 'cart', description: "The customer's cart" },
      { name: 'checkout', description: 'Placing an order' },
      { name: 'orders', description: "The customer's orders" },
      { name: 'identity', description: 'The signed-in member' },
      { name: 'vendor', description: "A vendor's products and orders" },
      { name: 'admin', description: 'Refunds, audit, reconciliation, dead-letter queues' },
      { name: 'webhooks', description: 'Signed events from Stripe and the inventory providers' },
    ],
    paths,
    webhooks: {
      stripeEvent: {
        post: {
          summary: 'A Stripe event, sent by Stripe to POST /webhooks/stripe',
          description: 'Verified over the raw body with the endpoint signing secret before it is read; a redelivered event is acknowledged as a duplicate.',
          tags: ['webhooks'],
          parameters: signatureHeaders('stripe'),
          requestBody: requestBodyOf(ROUTE_SCHEMAS['POST /webhooks/stripe']),
          responses: webhookResponses('POST /webhooks/stripe'),
        },
      },
      inventoryUpdate: {
        post: {
          summary: "An inventory provider's stock levels, sent to POST /webhooks/inventory/{providerId}",
          description: "Signed with the provider's HMAC secret; each line sets an absolute stock level, translated by the stage's mapping or quarantined.",
          tags: ['webhooks'],
          parameters: [...parametersOf('path', ROUTE_SCHEMAS['POST /webhooks/inventory/{providerId}'].path), ...signatureHeaders('inventory')],
          requestBody: requestBodyOf(ROUTE_SCHEMAS['POST /webhooks/inventory/{providerId}']),
          responses: webhookResponses('POST /webhooks/inventory/{providerId}'),
        },
      },
    },
    components: {
      securitySchemes: {
        cognito: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito user pool access token (not an id token).' },
      },
      schemas: {
        Problem: { ...jsonSchema(ProblemSchema, 'output'), description: `RFC 9457 problem details; \`type\` is under ${PROBLEM_TYPES}` },
        StripeEvent: jsonSchema(StripeEventEnvelopeSchema, 'input'),
      },
    },
  };
}
