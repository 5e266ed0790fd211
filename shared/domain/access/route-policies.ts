/**
 * The route-by-role matrix of api-contract.md, as data: every route of the API has exactly one entry, and the
 * API stack, the authorizer and the tests all read this table. It lists exactly the routes the API stack serves,
 * checked both ways when the app synthesizes (`routeTableMismatches`): a route without an entry, or an entry without a
 * route, fails `cdk synth`. A route the contract promises is added here with its handler, not before.
 */
import { GROUPS, type Group } from '../model/groups';

export { GROUPS, type Group };

export type RouteAccess =
  /** Anyone, no token. */
  | { readonly kind: 'public' }
  /** No token; the handler verifies the sender's signature on the raw body. */
  | { readonly kind: 'webhook' }
  /** A verified access token from a member of one of `groups`, with the conditions of that group's tier. */
  | { readonly kind: 'member'; readonly groups: readonly Group[] };

/** `METHOD /path/{param}` exactly as the REST API declares it. */
export type RouteKey = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

const publicRoute = { kind: 'public' } as const;
const webhook = { kind: 'webhook' } as const;
const customers = { kind: 'member', groups: ['customer'] } as const;
const vendors = { kind: 'member', groups: ['vendor'] } as const;
const admins = { kind: 'member', groups: ['admin'] } as const;

export const ROUTE_POLICIES = {
  'GET /health': publicRoute,
  'GET /openapi.json': publicRoute,
  'GET /products': publicRoute,
  'GET /products/{productId}': publicRoute,

  'GET /cart': customers,
  'PUT /cart/items/{sku}': customers,
  'DELETE /cart/items/{sku}': customers,
  'DELETE /cart': customers,
  'POST /checkout': customers,
  'GET /orders': customers,
  'GET /orders/{orderId}': customers,
  'POST /orders/{orderId}/cancel': customers,
  'GET /me': { kind: 'member', groups: ['customer', 'vendor', 'admin'] },
  'PUT /me/address': customers,
  'GET /me/address': customers,
  'GET /me/export': customers,
  'DELETE /me': customers,

  'POST /vendor/products': vendors,
  'POST /vendor/products/batch': vendors,
  'PATCH /vendor/products/{productId}': vendors,
  'DELETE /vendor/products/{productId}': vendors,
  'POST /vendor/products/{productId}/stock': vendors,
  'GET /vendor/orders': vendors,

  'GET /admin/orders': admins,
  'POST /admin/orders/{orderId}/refund': admins,
  'GET /admin/audit': admins,
  'GET /admin/reconciliation': admins,
  'GET /admin/switches': admins,
  'PUT /admin/switches/{name}': admins,
  'POST /admin/queues/{queueName}/redrive': admins,
  'POST /admin/users/{userId}/erasure': admins,

  'POST /webhooks/stripe': webhook,
  'POST /webhooks/inventory/{providerId}': webhook,
} as const satisfies Record<RouteKey, RouteAccess>;

export type KnownRoute = keyof typeof ROUTE_POLICIES;

/**
 * Where the access table and the routes an API serves (`METHOD /path`, OPTIONS left out) disagree, one message each:
 * a served route without a policy (it would be deployed without a decision) and a policy without a route (a table
 * that says more than the API does). Empty when they are the same list.
 */
export function routeTableMismatches(served: readonly string[]): string[] {
  const servedSet = new Set(served);
  return [
    ...[...servedSet]
      .filter((r) => routeAccess(r) === undefined)
      .map((r) => `${r} is served but has no entry in the access table (shared/domain/access/route-policies.ts)`),
    ...Object.keys(ROUTE_POLICIES)
      .filter((r) => !servedSet.has(r))
      .map((r) => `${r} has an entry in the access table but the API serves no such route`),
  ];
}

/** The policy of a route, or undefined for a route the matrix does not know (which must never be served). */
export function routeAccess(route: string): RouteAccess | undefined {
  return Object.hasOwn(ROUTE_POLICIES, route) ? (ROUTE_POLICIES as Record<string, RouteAccess>)[route] : undefined;
}
