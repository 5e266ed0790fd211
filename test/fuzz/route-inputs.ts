import type { KnownRoute } from '../../shared/domain/access/route-policies';
import { ROUTE_SCHEMAS, type RouteSchemas } from '../../shared/schemas/routes';

/**
 * What each route reads (shared/schemas/routes.ts, the schemas its handler validates with), plus what the fuzz run
 * must know about it. The fuzz run refuses to start when the synthesized API serves a route that has no entry here,
 * so a new route is fuzzed from the day it ships.
 */
export interface RouteInputs extends RouteSchemas {
  /**
   * Generated strings that the schema accepts always carry the request's marker (not only mostly): for routes
   * whose accepted requests create things, so everything a fuzz run creates can be told from what others create.
   */
  readonly markAllStrings?: boolean;
  /** Accepted, the route destroys the caller's account: only callers it must refuse (no or bad token) call it. */
  readonly destroysCaller?: boolean;
}

const FUZZ_FLAGS: Partial<Record<KnownRoute, Pick<RouteInputs, 'markAllStrings' | 'destroysCaller'>>> = {
  // Erasing its caller would end the fuzz run's customer: only anonymous callers try it.
  'DELETE /me': { destroysCaller: true },
  'POST /vendor/products': { markAllStrings: true },
  'POST /vendor/products/batch': { markAllStrings: true },
  'PATCH /vendor/products/{productId}': { markAllStrings: true },
};

export const ROUTE_INPUTS: Readonly<Record<KnownRoute, RouteInputs>> = Object.fromEntries(
  Object.entries(ROUTE_SCHEMAS).map(([route, schemas]) => [route, { ...schemas, ...FUZZ_FLAGS[route as KnownRoute] }]),
) as Record<KnownRoute, RouteInputs>;
