import type * as z from '../../shared/validation/zod';
import type { KnownRoute } from '../../shared/domain/access/route-policies';
import { CartItemBodySchema, SkuPathSchema } from '../../shared/schemas/cart';
import { CreateProductBodySchema, ListProductsQuerySchema, ProductIdPathSchema, UpdateProductBodySchema } from '../../shared/schemas/catalog';
import { InventoryWebhookBodySchema, InventoryWebhookPathSchema } from '../../shared/schemas/inventory';
import {
  AdminListOrdersQuerySchema,
  CheckoutBodySchema,
  IdempotencyKeySchema,
  ListOrdersQuerySchema,
  OrderIdPathSchema,
  RefundBodySchema,
} from '../../shared/schemas/orders';
import { ListAuditEventsQuerySchema } from '../../shared/schemas/audit';
import { QueueNamePathSchema, RedriveBodySchema } from '../../shared/schemas/queues';

/**
 * What each route of the access table reads, by reference to the zod schemas its handler validates with (never a
 * copy): path, query and body schemas, and the headers beyond Authorization. The fuzz run refuses to start when
 * the synthesized API serves a route that has no entry here, so a new route is fuzzed from the day it ships.
 */
export interface RouteInputs {
  readonly path?: z.ZodMiniType;
  readonly query?: z.ZodMiniType;
  readonly body?: z.ZodMiniType;
  /** The route reads `Idempotency-Key` (required when `required`). */
  readonly idempotencyKey?: { readonly schema: z.ZodMiniType; readonly required: boolean };
  /** A signed webhook: the body is verified raw before it is parsed. */
  readonly webhook?: 'stripe' | 'inventory';
  /**
   * Generated strings that the schema accepts always carry the request's marker (not only mostly): for routes
   * whose accepted requests create things, so everything a fuzz run creates can be told from what others create.
   */
  readonly markAllStrings?: boolean;
  /** Accepted, the route destroys the caller's account: only callers it must refuse (no or bad token) call it. */
  readonly destroysCaller?: boolean;
}

export const ROUTE_INPUTS: Partial<Record<KnownRoute, RouteInputs>> = {
  'GET /health': {},
  'GET /products': { query: ListProductsQuerySchema },
  'GET /products/{productId}': { path: ProductIdPathSchema },

  'GET /cart': {},
  'PUT /cart/items/{sku}': { path: SkuPathSchema, body: CartItemBodySchema },
  'DELETE /cart/items/{sku}': { path: SkuPathSchema },
  'DELETE /cart': {},
  'POST /checkout': { body: CheckoutBodySchema, idempotencyKey: { schema: IdempotencyKeySchema, required: true } },
  'GET /orders': { query: ListOrdersQuerySchema },
  'GET /orders/{orderId}': { path: OrderIdPathSchema },
  'POST /orders/{orderId}/cancel': { path: OrderIdPathSchema },
  'GET /me': {},
  'GET /me/export': {},
  'DELETE /me': { destroysCaller: true },

  'POST /vendor/products': { body: CreateProductBodySchema, markAllStrings: true },
  'PATCH /vendor/products/{productId}': { path: ProductIdPathSchema, body: UpdateProductBodySchema, markAllStrings: true },
  'DELETE /vendor/products/{productId}': { path: ProductIdPathSchema },
  'GET /vendor/orders': { query: ListOrdersQuerySchema },

  'GET /admin/orders': { query: AdminListOrdersQuerySchema },
  'POST /admin/orders/{orderId}/refund': { path: OrderIdPathSchema, body: RefundBodySchema, idempotencyKey: { schema: IdempotencyKeySchema, required: false } },
  'GET /admin/audit': { query: ListAuditEventsQuerySchema },
  'GET /admin/reconciliation': {},
  'POST /admin/queues/{queueName}/redrive': { path: QueueNamePathSchema, body: RedriveBodySchema },

  'POST /webhooks/stripe': { webhook: 'stripe' },
  'POST /webhooks/inventory/{providerId}': { path: InventoryWebhookPathSchema, body: InventoryWebhookBodySchema, webhook: 'inventory' },
};
