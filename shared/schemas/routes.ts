import type { KnownRoute } from '../domain/access/route-policies';
import type * as z from '../validation/zod';
import { ShippingAddressSchema } from './address';
import { CheckoutBodySchema } from './checkout';
import { ListAuditEventsQuerySchema } from './audit';
import { CartItemBodySchema, SkuPathSchema } from './cart';
import {
  AdjustStockBodySchema,
  CreateProductBodySchema,
  CreateProductsBatchBodySchema,
  ListProductsQuerySchema,
  ProductIdPathSchema,
  UpdateProductBodySchema,
} from './catalog';
import { InventoryWebhookBodySchema, InventoryWebhookPathSchema } from './inventory';
import {
  AdminListOrdersQuerySchema,
  IdempotencyKeySchema,
  ListOrdersQuerySchema,
  OrderIdPathSchema,
  RefundBodySchema,
  VendorListOrdersQuerySchema,
} from './orders';
import { UserIdPathSchema } from './privacy';
import { QueueNamePathSchema, RedriveBodySchema } from './queues';
import { SwitchFlipBodySchema, SwitchNamePathSchema } from './switches';

/**
 * What each route reads, by reference to the zod schemas its handler validates with (never a copy): path, query and
 * body schemas and the Idempotency-Key header. The API stack turns it into API Gateway request models and required
 * parameters (so the edge refuses malformed input before any Lambda runs), the fuzz suite generates requests from it,
 * and the OpenAPI document will be written from it.
 */
export interface RouteSchemas {
  readonly path?: z.ZodMiniType;
  readonly query?: z.ZodMiniType;
  readonly body?: z.ZodMiniType;
  /** The route reads `Idempotency-Key` (required when `required`). */
  readonly idempotencyKey?: { readonly schema: z.ZodMiniType; readonly required: boolean };
  /** A signed webhook: the body is verified raw before it is parsed, so the edge never parses it. */
  readonly webhook?: 'stripe' | 'inventory';
}

export const ROUTE_SCHEMAS: Readonly<Record<KnownRoute, RouteSchemas>> = {
  'GET /health': {},
  'GET /openapi.json': {},
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
  'PUT /me/address': { body: ShippingAddressSchema },
  'GET /me/address': {},
  'GET /me/export': {},
  'DELETE /me': {},

  'POST /vendor/products': { body: CreateProductBodySchema },
  'POST /vendor/products/batch': { body: CreateProductsBatchBodySchema },
  'PATCH /vendor/products/{productId}': { path: ProductIdPathSchema, body: UpdateProductBodySchema },
  'DELETE /vendor/products/{productId}': { path: ProductIdPathSchema },
  'POST /vendor/products/{productId}/stock': { path: ProductIdPathSchema, body: AdjustStockBodySchema },
  'GET /vendor/orders': { query: VendorListOrdersQuerySchema },

  'GET /admin/orders': { query: AdminListOrdersQuerySchema },
  'POST /admin/orders/{orderId}/refund': { path: OrderIdPathSchema, body: RefundBodySchema, idempotencyKey: { schema: IdempotencyKeySchema, required: false } },
  'GET /admin/audit': { query: ListAuditEventsQuerySchema },
  'GET /admin/reconciliation': {},
  'GET /admin/switches': {},
  'PUT /admin/switches/{name}': { path: SwitchNamePathSchema, body: SwitchFlipBodySchema },
  'POST /admin/queues/{queueName}/redrive': { path: QueueNamePathSchema, body: RedriveBodySchema },
  'POST /admin/users/{userId}/erasure': { path: UserIdPathSchema },

  'POST /webhooks/stripe': { webhook: 'stripe' },
  'POST /webhooks/inventory/{providerId}': { path: InventoryWebhookPathSchema, body: InventoryWebhookBodySchema, webhook: 'inventory' },
};
