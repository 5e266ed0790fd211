import { createHmac, randomInt } from 'node:crypto';
import fc from 'fast-check';
import { routeAccess } from '../../shared/domain/access/route-policies';
import { assemble, cognitoLocalKey, decodeJwt, freshRsaKey, type JwtPayload, signHs256, signRs256 } from '../support/jwt-forge';
import type { WireRequest } from './engine';
import {
  BAD_CURSORS,
  BAD_IDEMPOTENCY_KEYS,
  CONTENT_TYPES,
  encode,
  GARBAGE_TOKENS,
  headerBytes,
  HOSTILE_HEADER_NAMES,
  hostileHeaderValue,
  hostileJsonValue,
  hostileQueryPiece,
  hostileSegment,
  jsonText,
  MALFORMED_AUTHORIZATION,
  PROTOTYPE_KEYS,
  RAW_BODIES,
} from './hostile';
import { type JsonSchema, jsonSchemaOf, mutantsOf, schemaMutant, schemaValue } from './json-schema-arbitrary';
import { ROUTE_INPUTS, type RouteInputs } from './route-inputs';

/**
 * The Stockade fuzz plan: which requests exist (every method of the synthesized REST API, OPTIONS included, plus
 * stray paths), who sends them (anonymous, customer, vendor, vendor2, admin, and every way to hold a bad token),
 * and how they are built from the route's zod schemas and the hostile dictionaries. A generated request is a
 * description; `materializeRequest` turns it into bytes with the request's marker and fresh signatures.
 */

/** Stands in for the request's marker in generated strings; replaced at send time by a marker of the same length. */
export const PLACEHOLDER = 'FZMARKER00000';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A run id: six Crockford base32 characters, so markers stay valid in ULIDs and SKU codes. */
export function newRunId(): string {
  return Array.from({ length: 6 }, () => CROCKFORD[randomInt(32)]).join('');
}

/** `FZ` + run id + the request index in five base32 digits: 13 characters, like the placeholder. */
export function markerFor(runId: string, index: number): string {
  let digits = '';
  for (let n = index, i = 0; i < 5; i++, n = Math.floor(n / 32)) digits = (CROCKFORD[n % 32] as string) + digits;
  return `FZ${runId}${digits}`;
}

/** The request indexes of every marker of `runId` in `text` (any case: stores may change it). */
export function markerIndexes(text: string, runId: string): number[] {
  const found: number[] = [];
  // runId is six Crockford characters this module made.
  // eslint-disable-next-line security/detect-non-literal-regexp
  const pattern = new RegExp(`FZ${runId}([${CROCKFORD}]{5})`, 'gi');
  for (const match of text.matchAll(pattern)) {
    let n = 0;
    for (const c of (match[1] as string).toUpperCase()) n = n * 32 + CROCKFORD.indexOf(c);
    found.push(n);
  }
  return found;
}

export const ROLES = ['customer', 'vendor', 'vendor2', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type Caller = 'anonymous' | Role;
export const GROUP_OF: Record<Role, 'customer' | 'vendor' | 'admin'> = { customer: 'customer', vendor: 'vendor', vendor2: 'vendor', admin: 'admin' };

export type ForgedVariant =
  | 'alg-none'
  | 'tampered-groups'
  | 'no-exp'
  | 'exp-as-string'
  | 'expired'
  | 'no-token-use'
  | 'id-token-use'
  | 'no-client-id'
  | 'wrong-client-id'
  | 'wrong-iss'
  | 'no-sub'
  | 'hs256-public-key'
  | 'unknown-kid'
  | 'truncated-signature'
  | 'no-signature';
const FORGED_VARIANTS: readonly ForgedVariant[] = [
  'alg-none',
  'tampered-groups',
  'no-exp',
  'exp-as-string',
  'expired',
  'no-token-use',
  'id-token-use',
  'no-client-id',
  'wrong-client-id',
  'wrong-iss',
  'no-sub',
  'hs256-public-key',
  'unknown-kid',
  'truncated-signature',
  'no-signature',
];

export type AuthPlan =
  /** The caller's own token (none for anonymous). */
  | { readonly kind: 'own' }
  | { readonly kind: 'garbage'; readonly token: string }
  | { readonly kind: 'malformed'; readonly header: string }
  /** Made from a real token (the caller's, or the customer's for anonymous) so only one thing is wrong. */
  | { readonly kind: 'forged'; readonly variant: ForgedVariant }
  /** Two Authorization headers, a bad one and the caller's own. */
  | { readonly kind: 'duplicate'; readonly badFirst: boolean; readonly token: string };

export type StripeSignaturePlan =
  { readonly kind: 'missing' } | { readonly kind: 'literal'; readonly header: string } | { readonly kind: 'computed'; readonly variant: StripeVariant };
export type StripeVariant =
  | 'valid'
  | 'v1-first'
  | 'spaces'
  | 'valid-plus-empty-v1'
  | 'valid-plus-unknown-part'
  | 'dup-t'
  | 'stale'
  | 'future'
  | 'wrong-secret'
  | 'other-body'
  | 'uppercase-hex'
  | 'v0-only'
  | 'no-t'
  | 'many-parts';
/**
 * Variants Stripe's scheme refuses whoever parses it; the others are valid or up to the parser, so not asserted.
 * (A timestamp in the future is not among them: Stripe's own SDK bounds only a signature's age.)
 */
const STRIPE_REFUSED: ReadonlySet<StripeVariant> = new Set(['stale', 'wrong-secret', 'other-body', 'uppercase-hex', 'v0-only', 'no-t', 'many-parts']);

export type InventorySignaturePlan = {
  readonly timestamp: 'now' | 'stale' | 'future' | 'missing' | { readonly literal: string };
  readonly signature:
    'valid' | 'valid-after-bad' | 'wrong-secret' | 'other-provider' | 'other-body' | 'uppercase' | 'v0' | 'missing' | { readonly literal: string };
};

export type BodyPlan =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly origin: 'schema' | 'mutant' | 'hostile' | 'envelope'; readonly value: unknown; readonly contentTypes: readonly string[] }
  | { readonly kind: 'raw'; readonly text: string; readonly contentTypes: readonly string[] }
  /** Bytes that are not UTF-8. */
  | { readonly kind: 'bytes'; readonly hex: string; readonly contentTypes: readonly string[] }
  /** A JSON body past the 16 KiB limit: `{"<field>":"xxxx…"}`. */
  | { readonly kind: 'oversized'; readonly bytes: number; readonly contentTypes: readonly string[] };

export type IdempotencyPlan =
  | { readonly kind: 'missing' }
  | { readonly kind: 'value'; readonly value: string; readonly valid: boolean }
  | { readonly kind: 'duplicate'; readonly values: readonly [string, string] };

export interface StockadeRequest {
  /** `METHOD /template` of the route aimed at, `OPTIONS /path`, or `stray`. */
  readonly route: string;
  readonly method: string;
  /** The resource path with `{param}` placeholders (stray: the raw path). */
  readonly template: string;
  /** Path parameters as sent (already percent-encoded, or deliberately not). */
  readonly params: Readonly<Record<string, string>>;
  /** Query pieces as sent, joined with `&`. */
  readonly query: readonly string[];
  readonly caller: Caller;
  readonly auth: AuthPlan;
  /** Extra headers: name and latin1 value. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly idempotency?: IdempotencyPlan;
  readonly stripeSignature?: StripeSignaturePlan;
  readonly inventorySignature?: InventorySignaturePlan;
  readonly body: BodyPlan;
}

/** A method of the synthesized REST API. */
export interface ServedRoute {
  readonly httpMethod: string;
  readonly resourcePath: string;
}

export interface DemoProduct {
  readonly productId: string;
  readonly vendorId: string;
  readonly skus: readonly string[];
}

/** What the plan needs from the running system, gathered once before the run. */
export interface StockadeFuzzContext {
  readonly routes: readonly ServedRoute[];
  readonly tokens: Readonly<Record<Role, string>>;
  readonly subs: Readonly<Record<Role, string>>;
  readonly products: readonly DemoProduct[];
  /** Real cursors of list routes (GET /products, /admin/audit …), to tamper with and to cross between routes. */
  readonly cursors: readonly string[];
  readonly stripeWebhookSecret: string;
  /** Inventory provider id -> its current HMAC secret. */
  readonly providerSecrets: Readonly<Record<string, string>>;
}

const STRIPE_HARMLESS_TYPES = ['customer.created', 'invoice.paid', 'product.updated', 'payment_method.attached', 'fuzz.unknown_event'];
const STRIPE_PAYMENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'refund.created',
  'refund.updated',
  'charge.refunded',
];

const JSON_TYPE = 'application/json';

function contentTypesArbitrary(): fc.Arbitrary<readonly string[]> {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant([JSON_TYPE]) },
    { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES).map((t) => [t]) },
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CONTENT_TYPES), fc.constantFrom(...CONTENT_TYPES)).map(([a, b]) => [a, b]) },
  );
}

function hostileBody(): fc.Arbitrary<BodyPlan> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: fc.constantFrom(...RAW_BODIES), contentTypes: contentTypesArbitrary() }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('json' as const),
        origin: fc.constant('hostile' as const),
        value: hostileJsonValue(),
        contentTypes: contentTypesArbitrary(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('bytes' as const),
        hex: fc.constantFrom('ff', 'c328', 'ed a0 80', 'f4908080', '7b22613a22ff227d', 'efbbbf7b7d').map((h) => h.replace(/ /g, '')),
        contentTypes: contentTypesArbitrary(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('oversized' as const),
        bytes: fc.constantFrom(16_385, 20_000, 100_000, 1_000_000),
        contentTypes: contentTypesArbitrary(),
      }),
    },
  );
}

function jsonBody(origin: 'schema' | 'mutant' | 'envelope', values: fc.Arbitrary<unknown>): fc.Arbitrary<BodyPlan> {
  return fc.record({ kind: fc.constant('json' as const), origin: fc.constant(origin), value: values, contentTypes: contentTypesArbitrary() });
}

/** Inventory lines a fuzz run sends name external SKUs that start with the marker: no mapping translates them to a real SKU. */
function markExternalSkus(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const updates = (value as { updates?: unknown }).updates;
  if (Array.isArray(updates)) {
    for (const line of updates) {
      if (line !== null && typeof line === 'object' && typeof (line as { externalSku?: unknown }).externalSku === 'string') {
        const l = line as { externalSku: string };
        l.externalSku = `${PLACEHOLDER}-${l.externalSku}`.slice(0, 128);
      }
    }
  }
  return value;
}

function stripeEnvelope(types: readonly string[]): fc.Arbitrary<unknown> {
  const orderId = fc.constant(`${PLACEHOLDER}${'0'.repeat(13)}`);
  const paymentIntent = fc.record({
    id: fc.constant(`pi_${PLACEHOLDER}`),
    object: fc.constant('payment_intent'),
    amount: fc.integer({ min: 1, max: 100_000 }),
    currency: fc.constantFrom('eur', 'usd', 'EUR', ''),
    status: fc.constantFrom('succeeded', 'requires_payment_method', 'canceled'),
    metadata: fc.record({ orderId }),
  });
  return fc.record({
    id: fc.oneof(fc.constant(`evt_${PLACEHOLDER}`), fc.constantFrom(...PROTOTYPE_KEYS)),
    object: fc.constant('event'),
    api_version: fc.constant('2024-06-20'),
    created: fc.integer({ min: 0, max: 2_000_000_000 }),
    livemode: fc.boolean(),
    type: fc.constantFrom(...types),
    data: fc.record({ object: fc.oneof({ weight: 3, arbitrary: paymentIntent }, { weight: 1, arbitrary: hostileJsonValue() }) }),
  });
}

function stripeSignature(): fc.Arbitrary<StripeSignaturePlan> {
  const zeros = '0'.repeat(64);
  const literals = [
    't=1,v1=',
    't=,v1=',
    't=1,v1=,v1=',
    't=1,v1=' + zeros,
    't=,v1=' + zeros,
    't=1',
    'v1=',
    '',
    ',',
    '=',
    ',,,',
    't=abc,v1=abc',
    't=1,t=2,v1=' + zeros,
    't=99999999999999999999,v1=' + zeros,
    't=-1,v1=' + zeros,
    't=1e309,v1=' + zeros,
    't=1,v1=' + 'g'.repeat(64),
    't=__proto__,v1=constructor',
    '__proto__=1',
    'constructor',
    't=1,v1=' + zeros + ',v1=',
    ' t=1 , v1= ',
  ];
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('computed' as const),
        variant: fc.constantFrom<StripeVariant>(
          'valid',
          'v1-first',
          'spaces',
          'valid-plus-empty-v1',
          'valid-plus-unknown-part',
          'dup-t',
          'stale',
          'future',
          'wrong-secret',
          'other-body',
          'uppercase-hex',
          'v0-only',
          'no-t',
          'many-parts',
        ),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: 'computed' as const, variant: 'valid' as const }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('literal' as const), header: fc.constantFrom(...literals) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'missing' as const }) },
  );
}

function inventorySignature(): fc.Arbitrary<InventorySignaturePlan> {
  const timestamp = fc.oneof(
    { weight: 6, arbitrary: fc.constant('now' as const) },
    { weight: 1, arbitrary: fc.constantFrom('stale' as const, 'future' as const, 'missing' as const) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('', ' ', 'abc', '-1', '0', '1e309', '1700000000.5', '99999999999999', '0x10', '__proto__', '١٧')
        .map((literal) => ({ literal })),
    },
  );
  const signature = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom('valid' as const, 'valid-after-bad' as const) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'wrong-secret' as const,
        'other-provider' as const,
        'other-body' as const,
        'uppercase' as const,
        'v0' as const,
        'missing' as const,
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('v1=', 'v1', '=', '', 'v1=' + '0'.repeat(64), 'v1=' + 'z'.repeat(64), 'v1=,v1=', 'v1=' + '0'.repeat(63), '__proto__', 'constructor=1')
        .map((literal) => ({ literal })),
    },
  );
  return fc.record({ timestamp, signature });
}

/** True when the inventory signature plan is one the webhook must accept (given a real provider id). */
export function inventorySignatureValid(plan: InventorySignaturePlan): boolean {
  return plan.timestamp === 'now' && (plan.signature === 'valid' || plan.signature === 'valid-after-bad');
}

/** True when the Stripe signature plan must be refused whatever the body. */
export function stripeSignatureRefused(plan: StripeSignaturePlan): boolean {
  return plan.kind !== 'computed' || STRIPE_REFUSED.has(plan.variant);
}

/** The request arbitrary for a Stockade run. */
export function stockadeRequests(context: StockadeFuzzContext): fc.Arbitrary<StockadeRequest> {
  const served = context.routes.filter((r) => r.httpMethod !== 'OPTIONS');
  const missing = served.map((r) => `${r.httpMethod} ${r.resourcePath}`).filter((key) => !Object.hasOwn(ROUTE_INPUTS, key));
  if (missing.length > 0) throw new Error(`The API serves routes the fuzzer has no inputs for; add them to test/fuzz/route-inputs.ts: ${missing.join(', ')}`);
  const preflight = context.routes.filter((r) => r.httpMethod === 'OPTIONS');

  const routeArbitraries = served.map((r) => ({
    weight: 10,
    arbitrary: routeRequest(context, r, ROUTE_INPUTS[`${r.httpMethod} ${r.resourcePath}` as keyof typeof ROUTE_INPUTS] as RouteInputs),
  }));
  return fc.oneof(
    ...routeArbitraries,
    ...(preflight.length ? [{ weight: 8, arbitrary: fc.oneof(...preflight.map((r) => routeRequest(context, r, {}))) }] : []),
    { weight: 8, arbitrary: strayRequest() },
  );
}

function callerFor(route: string, inputs: RouteInputs): fc.Arbitrary<Caller> {
  const access = routeAccess(route);
  const allowed: Caller[] = access?.kind === 'member' ? ROLES.filter((r) => access.groups.includes(GROUP_OF[r])) : [];
  const everyone: Caller[] = ['anonymous', ...ROLES];
  if (inputs.destroysCaller) return fc.constant('anonymous');
  if (allowed.length === 0) return fc.oneof({ weight: 3, arbitrary: fc.constant<Caller>('anonymous') }, { weight: 2, arbitrary: fc.constantFrom(...ROLES) });
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...allowed) }, { weight: 2, arbitrary: fc.constantFrom(...everyone) });
}

function authFor(caller: Caller, inputs: RouteInputs): fc.Arbitrary<AuthPlan> {
  const bad = fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('garbage' as const), token: fc.constantFrom(...GARBAGE_TOKENS) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('malformed' as const), header: fc.constantFrom(...MALFORMED_AUTHORIZATION) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('forged' as const), variant: fc.constantFrom(...FORGED_VARIANTS) }) },
  );
  // The route that destroys its caller is only ever called with tokens it must refuse.
  if (inputs.destroysCaller) return fc.oneof(fc.constant({ kind: 'own' as const }), bad);
  const duplicate = fc.record({ kind: fc.constant('duplicate' as const), badFirst: fc.boolean(), token: fc.constantFrom(...GARBAGE_TOKENS) });
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant({ kind: 'own' as const }) },
    { weight: 4, arbitrary: bad },
    ...(caller === 'anonymous' ? [] : [{ weight: 1, arbitrary: duplicate }]),
  );
}

function paramArbitrary(context: StockadeFuzzContext, name: string, schema: JsonSchema | undefined, method: string, caller: Caller): fc.Arbitrary<string> {
  const valid = schema ? schemaValue(schema, { placeholder: PLACEHOLDER }).map((v) => encode(String(v))) : fc.constant(PLACEHOLDER);
  let real: string[] = [];
  if (name === 'productId') {
    // Reads may name any product; changes only products the caller does not own (a fuzz run must not archive
    // the demo catalog other tests buy from: if one of these is accepted, that is the bug to find).
    const own = caller === 'anonymous' ? undefined : context.subs[caller];
    real = context.products.filter((p) => method === 'GET' || p.vendorId !== own).map((p) => p.productId);
  } else if (name === 'sku' && method === 'DELETE') {
    real = context.products.flatMap((p) => p.skus);
  } else if (name === 'providerId') {
    real = Object.keys(context.providerSecrets);
  }
  return fc.oneof(
    { weight: 5, arbitrary: valid },
    ...(real.length ? [{ weight: name === 'providerId' ? 8 : 3, arbitrary: fc.constantFrom(...real).map(encode) }] : []),
    { weight: 3, arbitrary: hostileSegment() },
  );
}

function queryArbitrary(context: StockadeFuzzContext, schema: JsonSchema | undefined): fc.Arbitrary<readonly string[]> {
  const knownKeys = Object.keys(schema?.properties ?? {});
  const hostile = fc.array(hostileQueryPiece(knownKeys), { minLength: 1, maxLength: 3 });
  if (!schema) return fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: hostile });
  const pieces = (value: unknown): string[] =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.keys(value).map(
          (k) =>
            `${encode(k)}=${encode(typeof (value as Record<string, unknown>)[k] === 'string' ? ((value as Record<string, unknown>)[k] as string) : jsonText((value as Record<string, unknown>)[k]))}`,
        )
      : [encode(jsonText(value))];
  const tampered = context.cursors.flatMap((c) => [
    c,
    `${c.slice(0, -2)}${c.endsWith('A') ? 'BB' : 'AA'}`,
    c.slice(0, Math.floor(c.length / 2)),
    `${c}x`,
    c.toUpperCase(),
  ]);
  const cursor = fc.oneof(fc.constantFrom(...BAD_CURSORS), ...(tampered.length ? [fc.constantFrom(...tampered)] : []));
  const valid = schemaValue(schema, { placeholder: PLACEHOLDER });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant([]) },
    { weight: 4, arbitrary: valid.map(pieces) },
    ...(knownKeys.includes('cursor')
      ? [{ weight: 3, arbitrary: fc.tuple(valid, cursor).map(([v, c]) => [...pieces(v).filter((p) => !p.startsWith('cursor=')), `cursor=${encode(c)}`]) }]
      : []),
    { weight: 3, arbitrary: fc.tuple(valid, hostile).map(([v, h]) => [...pieces(v), ...h]) },
    { weight: 2, arbitrary: schemaMutant(schema, { placeholder: PLACEHOLDER }).map(pieces) },
  );
}

function bodyArbitrary(inputs: RouteInputs, signedValid: boolean | undefined): fc.Arbitrary<BodyPlan> {
  if (inputs.webhook === 'stripe') {
    // A correctly signed event is recorded and queued: those only ever carry types the consumer ignores.
    return fc.oneof(
      { weight: 4, arbitrary: jsonBody('envelope', stripeEnvelope(signedValid ? STRIPE_HARMLESS_TYPES : [...STRIPE_HARMLESS_TYPES, ...STRIPE_PAYMENT_TYPES])) },
      { weight: 2, arbitrary: jsonBody('envelope', mutantsOf(stripeEnvelope(STRIPE_HARMLESS_TYPES))) },
      { weight: 4, arbitrary: hostileBody() },
    );
  }
  const schema = inputs.body ? jsonSchemaOf(inputs.body) : undefined;
  if (!schema) return fc.oneof({ weight: 7, arbitrary: fc.constant({ kind: 'none' as const }) }, { weight: 3, arbitrary: hostileBody() });
  const options = { placeholder: PLACEHOLDER, placeholderAlways: inputs.markAllStrings === true };
  const mark = inputs.webhook === 'inventory' ? markExternalSkus : (v: unknown) => v;
  return fc.oneof(
    { weight: 7, arbitrary: jsonBody('schema', schemaValue(schema, options).map(mark)) },
    { weight: 7, arbitrary: jsonBody('mutant', mutantsOf(schemaValue(schema, options).map(mark))) },
    { weight: 4, arbitrary: hostileBody() },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  );
}

function idempotencyArbitrary(inputs: RouteInputs): fc.Arbitrary<IdempotencyPlan | undefined> {
  if (!inputs.idempotencyKey) return fc.constant(undefined);
  const valid = schemaValue(jsonSchemaOf(inputs.idempotencyKey.schema), { placeholder: PLACEHOLDER, placeholderAlways: true }).map((v) => String(v));
  return fc.oneof(
    { weight: 5, arbitrary: valid.map((value) => ({ kind: 'value' as const, value, valid: true })) },
    { weight: 2, arbitrary: fc.constant({ kind: 'missing' as const }) },
    { weight: 4, arbitrary: fc.constantFrom(...BAD_IDEMPOTENCY_KEYS).map((value) => ({ kind: 'value' as const, value, valid: false })) },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.constantFrom(...BAD_IDEMPOTENCY_KEYS)).map(([a, b]) => ({ kind: 'duplicate' as const, values: [a, b] as const })),
    },
  );
}

function extraHeaders(): fc.Arbitrary<ReadonlyArray<readonly [string, string]>> {
  const header = fc.tuple(fc.constantFrom(...HOSTILE_HEADER_NAMES), hostileHeaderValue());
  return fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(header, { minLength: 1, maxLength: 3 }) });
}

function routeRequest(context: StockadeFuzzContext, route: ServedRoute, inputs: RouteInputs): fc.Arbitrary<StockadeRequest> {
  const key = `${route.httpMethod} ${route.resourcePath}`;
  const paramNames = [...route.resourcePath.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1] as string);
  const pathSchema = inputs.path ? jsonSchemaOf(inputs.path) : undefined;
  // Arbitraries are built once here, per caller and per signature validity, and only chosen between while
  // generating (building them per generated request made generation slower than sending).
  const query = queryArbitrary(context, inputs.query ? jsonSchemaOf(inputs.query) : undefined);
  const headers = extraHeaders();
  const idempotency = idempotencyArbitrary(inputs);
  const bodies = { unsigned: bodyArbitrary(inputs, undefined), valid: bodyArbitrary(inputs, true), refused: bodyArbitrary(inputs, false) };
  const signatures: fc.Arbitrary<{ stripe?: StripeSignaturePlan; inventory?: InventorySignaturePlan }> =
    inputs.webhook === 'stripe'
      ? stripeSignature().map((s) => ({ stripe: s }))
      : inputs.webhook === 'inventory'
        ? inventorySignature().map((s) => ({ inventory: s }))
        : fc.constant({});
  const forCaller = (caller: Caller): fc.Arbitrary<StockadeRequest> => {
    const params = fc.record(
      Object.fromEntries(paramNames.map((name) => [name, paramArbitrary(context, name, pathSchema?.properties?.[name], route.httpMethod, caller)])),
    );
    const auth = inputs.webhook ? fc.constant<AuthPlan>({ kind: 'own' }) : authFor(caller, inputs);
    const rest = (body: fc.Arbitrary<BodyPlan>) => fc.record({ params, query, auth, headers, idempotency, body });
    const withBody = { unsigned: rest(bodies.unsigned), valid: rest(bodies.valid), refused: rest(bodies.refused) };
    return signatures.chain((signature) => {
      const signedValid = signature.stripe
        ? !stripeSignatureRefused(signature.stripe)
        : signature.inventory
          ? inventorySignatureValid(signature.inventory)
          : undefined;
      return withBody[signedValid === undefined ? 'unsigned' : signedValid ? 'valid' : 'refused'].map((parts): StockadeRequest => ({
        route: route.httpMethod === 'OPTIONS' ? `OPTIONS ${route.resourcePath}` : key,
        method: route.httpMethod,
        template: route.resourcePath,
        caller,
        params: parts.params,
        query: parts.query,
        auth: parts.auth,
        headers: parts.headers,
        body: parts.body,
        ...(parts.idempotency ? { idempotency: parts.idempotency } : {}),
        ...(signature.stripe ? { stripeSignature: signature.stripe } : {}),
        ...(signature.inventory ? { inventorySignature: signature.inventory } : {}),
      }));
    });
  };
  const byCaller = new Map<Caller, fc.Arbitrary<StockadeRequest>>((['anonymous', ...ROLES] as const).map((c) => [c, forCaller(c)]));
  return callerFor(key, inputs).chain((caller) => byCaller.get(caller) as fc.Arbitrary<StockadeRequest>);
}

/** Paths no route serves, or serves only by accident of normalization: unknown words, prototype names, bad encodings. */
function strayRequest(): fc.Arbitrary<StockadeRequest> {
  const segment = fc.oneof(
    fc.constantFrom('products', 'cart', 'items', 'orders', 'admin', 'vendor', 'webhooks', 'me', 'health', 'v1', 'HEALTH', 'openapi.json', ''),
    hostileSegment(),
  );
  return fc
    .record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
      segments: fc.array(segment, { minLength: 0, maxLength: 5 }),
      caller: fc.constantFrom<Caller>('anonymous', ...ROLES),
      query: fc.oneof(fc.constant([] as readonly string[]), fc.array(hostileQueryPiece([]), { minLength: 1, maxLength: 2 })),
      headers: extraHeaders(),
      body: fc.oneof({ weight: 3, arbitrary: fc.constant<BodyPlan>({ kind: 'none' }) }, { weight: 1, arbitrary: hostileBody() }),
    })
    .map(({ method, segments, caller, query, headers, body }) => ({
      route: 'stray',
      method,
      template: `/${segments.join('/')}`,
      params: {},
      query,
      // A stray path may still reach a route the gateway serves ("/me", "/me/", "//me"): one that erases its caller
      // is only ever sent without a token, as its own plan does, or the run would erase a demo user others sign in as.
      caller: destroysCallerOf(method, segments) ? 'anonymous' : caller,
      auth: { kind: 'own' as const },
      headers,
      body,
    }));
}

/**
 * Whether `method` on these path segments could reach a route flagged destroysCaller, however the gateway
 * normalizes them: empty segments, percent-encoding and case aside.
 */
export function destroysCallerOf(method: string, segments: readonly string[]): boolean {
  const decoded = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const path = segments
    .map(decoded)
    .filter((s) => s !== '')
    .map((s) => s.toLowerCase());
  return Object.entries(ROUTE_INPUTS).some(([route, inputs]) => {
    if (!inputs.destroysCaller) return false;
    const [routeMethod, template] = route.split(' ') as [string, string];
    const routePath = template.split('/').filter((s) => s !== '');
    return routeMethod === method && routePath.length === path.length && routePath.every((s, i) => s.startsWith('{') || s.toLowerCase() === path[i]);
  });
}

/** Builds the forged tokens once per run: each variant from each real token (anonymous forges from the customer's). */
export function forgedTokens(tokens: Readonly<Record<Role, string>>): Record<Role, Record<ForgedVariant, string>> {
  const key = cognitoLocalKey();
  const stranger = freshRsaKey('fuzz-unknown-kid');
  const now = Math.floor(Date.now() / 1000);
  const forge = (token: string): Record<ForgedVariant, string> => {
    const { header, payload, signature } = decodeJwt(token);
    const without = (claim: string): JwtPayload => Object.fromEntries(Object.entries(payload).filter(([k]) => k !== claim));
    const signed = (claims: JwtPayload) => signRs256(key, claims, { kid: header.kid });
    return {
      'alg-none': assemble({ alg: 'none', typ: 'JWT' }, payload),
      'tampered-groups': assemble(header, { ...payload, 'cognito:groups': ['admin', 'vendor', 'customer'] }, signature),
      'no-exp': signed(without('exp')),
      'exp-as-string': signed({ ...payload, exp: String(now + 600) }),
      expired: signed({ ...payload, iat: now - 7_200, auth_time: now - 7_200, exp: now - 3_600 }),
      'no-token-use': signed(without('token_use')),
      'id-token-use': signed({ ...payload, token_use: 'id' }),
      'no-client-id': signed(without('client_id')),
      'wrong-client-id': signed({ ...payload, client_id: 'fuzzclient0000000000000000' }),
      'wrong-iss': signed({ ...payload, iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Fuzz00000' }),
      'no-sub': signed(without('sub')),
      'hs256-public-key': signHs256(key.publicKeyPkcs1Pem, payload, { kid: header.kid }),
      'unknown-kid': signRs256(stranger, payload),
      'truncated-signature': token.slice(0, -4),
      'no-signature': `${token.slice(0, token.lastIndexOf('.'))}.`,
    };
  };
  return Object.fromEntries(ROLES.map((r) => [r, forge(tokens[r])])) as Record<Role, Record<ForgedVariant, string>>;
}

const hmacHex = (secret: string, text: string) => createHmac('sha256', secret).update(text, 'utf8').digest('hex');

function bodyBytes(body: BodyPlan, mark: (s: string) => string): Buffer | undefined {
  switch (body.kind) {
    case 'none':
      return undefined;
    case 'json':
      return Buffer.from(mark(jsonText(body.value)), 'utf8');
    case 'raw':
      return Buffer.from(mark(body.text), 'utf8');
    case 'bytes':
      return Buffer.from(body.hex, 'hex');
    case 'oversized': {
      const padding = Math.max(0, body.bytes - 12);
      return Buffer.from(`{"name":"${'x'.repeat(padding)}"}`, 'utf8');
    }
  }
}

/** Turns a generated request into bytes: the marker in, the caller's token on, webhook signatures over the final body. */
export function materializeRequest(
  request: StockadeRequest,
  marker: string,
  context: StockadeFuzzContext,
  forged: Record<Role, Record<ForgedVariant, string>>,
): WireRequest {
  const mark = (s: string) => s.replaceAll(PLACEHOLDER, marker);
  const path = mark(request.template.replace(/\{(\w+)\+?\}/g, (_, name: string) => request.params[name] ?? ''));
  const query = request.query.map(mark).join('&');
  const headers: Array<readonly [string, string]> = [];

  const own = request.caller === 'anonymous' ? undefined : context.tokens[request.caller];
  const auth = request.auth;
  if (auth.kind === 'own' && own) headers.push(['Authorization', `Bearer ${own}`]);
  else if (auth.kind === 'garbage') headers.push(['Authorization', `Bearer ${auth.token}`]);
  else if (auth.kind === 'malformed') headers.push(['Authorization', auth.header]);
  else if (auth.kind === 'forged')
    headers.push(['Authorization', `Bearer ${forged[request.caller === 'anonymous' ? 'customer' : request.caller][auth.variant]}`]);
  else if (auth.kind === 'duplicate' && own) {
    const pair: Array<readonly [string, string]> = [
      ['Authorization', `Bearer ${auth.token}`],
      ['Authorization', `Bearer ${own}`],
    ];
    headers.push(...(auth.badFirst ? pair : pair.reverse()));
  }

  for (const [name, value] of request.headers) headers.push([name, mark(value)]);
  const idem = request.idempotency;
  if (idem?.kind === 'value') headers.push(['Idempotency-Key', mark(idem.value)]);
  else if (idem?.kind === 'duplicate') for (const value of idem.values) headers.push(['Idempotency-Key', mark(value)]);

  const body = bodyBytes(request.body, mark);
  if (request.body.kind !== 'none') for (const type of request.body.contentTypes) headers.push(['Content-Type', type]);
  const text = body?.toString('utf8') ?? '';
  const now = Math.floor(Date.now() / 1000);

  if (request.stripeSignature) {
    const plan = request.stripeSignature;
    const secret = context.stripeWebhookSecret;
    const sign = (t: number, over = text, key = secret) => hmacHex(key, `${t}.${over}`);
    let header: string | undefined;
    if (plan.kind === 'literal') header = plan.header;
    else if (plan.kind === 'computed') {
      const v = sign(now);
      header = {
        valid: `t=${now},v1=${v}`,
        'v1-first': `v1=${v},t=${now}`,
        spaces: `t=${now}, v1=${v}`,
        'valid-plus-empty-v1': `t=${now},v1=,v1=${v}`,
        'valid-plus-unknown-part': `t=${now},v1=${v},x=1`,
        'dup-t': `t=${now},t=${now},v1=${v}`,
        stale: `t=${now - 400},v1=${sign(now - 400)}`,
        future: `t=${now + 400},v1=${sign(now + 400)}`,
        'wrong-secret': `t=${now},v1=${sign(now, text, 'whsec_fuzz_wrong_secret')}`,
        'other-body': `t=${now},v1=${sign(now, `${text} `)}`,
        'uppercase-hex': `t=${now},v1=${v.toUpperCase()}`,
        'v0-only': `t=${now},v0=${v}`,
        'no-t': `v1=${v}`,
        'many-parts': `t=${now},${Array.from({ length: 40 }, () => `v1=${'0'.repeat(64)}`).join(',')}`,
      }[plan.variant];
    }
    if (header !== undefined) headers.push(['Stripe-Signature', header]);
  }

  if (request.inventorySignature) {
    const plan = request.inventorySignature;
    const providerId = safeDecode(request.params.providerId ?? '');
    const providers = Object.keys(context.providerSecrets);
    // The provider id is fuzzed (it may be `constructor`): only own keys name a provider.
    const secretOf = (id: string | undefined) => (id !== undefined && Object.hasOwn(context.providerSecrets, id) ? context.providerSecrets[id] : undefined);
    const secret = secretOf(providerId) ?? secretOf(providers[0]) ?? 'none';
    const otherSecret = secretOf(providers.find((p) => p !== providerId)) ?? 'other';
    const ts =
      plan.timestamp === 'now'
        ? String(now)
        : plan.timestamp === 'stale'
          ? String(now - 400)
          : plan.timestamp === 'future'
            ? String(now + 400)
            : plan.timestamp === 'missing'
              ? undefined
              : plan.timestamp.literal;
    const sign = (key: string, over = text) => hmacHex(key, `${ts ?? ''}.${over}`);
    const signature =
      typeof plan.signature === 'object'
        ? plan.signature.literal
        : {
            valid: `v1=${sign(secret)}`,
            'valid-after-bad': `v1=${'0'.repeat(64)},v1=${sign(secret)}`,
            'wrong-secret': `v1=${sign('fuzz-wrong-secret')}`,
            'other-provider': `v1=${sign(otherSecret)}`,
            'other-body': `v1=${sign(secret, `${text} `)}`,
            uppercase: `v1=${sign(secret).toUpperCase()}`,
            v0: `v0=${sign(secret)}`,
            missing: undefined,
          }[plan.signature];
    if (ts !== undefined) headers.push(['X-Stockade-Timestamp', headerBytes(ts)]);
    if (signature !== undefined) headers.push(['X-Stockade-Signature', signature]);
  }

  return {
    method: request.method,
    path: query.length > 0 || request.query.length > 0 ? `${path}?${query}` : path,
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** How a request was built, in one line. */
export function describeRequest(request: StockadeRequest): string {
  const auth =
    request.auth.kind === 'own'
      ? request.caller === 'anonymous'
        ? 'no token'
        : 'own token'
      : request.auth.kind === 'forged'
        ? `forged token (${request.auth.variant})`
        : `${request.auth.kind} authorization`;
  const body = request.body.kind === 'json' ? `json body (${request.body.origin})` : `${request.body.kind} body`;
  const parts = [`caller ${request.caller}`, auth, body];
  if (request.idempotency)
    parts.push(`idempotency ${request.idempotency.kind === 'value' ? (request.idempotency.valid ? 'valid' : 'bad') : request.idempotency.kind}`);
  if (request.stripeSignature)
    parts.push(`stripe signature ${request.stripeSignature.kind === 'computed' ? request.stripeSignature.variant : request.stripeSignature.kind}`);
  if (request.inventorySignature) parts.push(`inventory signature ${JSON.stringify(request.inventorySignature)}`);
  return parts.join(', ');
}
