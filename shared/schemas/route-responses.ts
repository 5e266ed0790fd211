import type { KnownRoute } from '../domain/access/route-policies';
import type * as z from '../validation/zod';
import { MeResponseSchema } from './identity';
import { ErasureAcceptedSchema, PersonalDataExportSchema } from './privacy';
import { InventoryWebhookAcceptedSchema } from './inventory';
import { HealthResponseSchema } from './platform';
import { RedriveResponseSchema } from './queues';
import { SwitchListSchema, SwitchViewSchema } from './switches';
import {
  AddressViewSchema,
  AuditEventPageSchema,
  CartSchema,
  CheckoutAcceptedSchema,
  OpenApiDocumentSchema,
  OrderPageSchema,
  OrderSchema,
  ProductBatchResultSchema,
  ProductPageSchema,
  ProductSchema,
  ReconciliationReportSchema,
  StripeWebhookAckSchema,
  VendorOrderPageSchema,
} from './responses';

/**
 * What each route answers when it succeeds, and which refusals its use case throws beyond those every route may
 * answer (the OpenAPI document derives 400, 401/403, 404, 413, 415, 429 and 5xx from the route's access and inputs).
 * Beside ROUTE_SCHEMAS (what a route reads), keyed the same way; the OpenAPI document is written from both.
 */
export interface RouteResponse {
  readonly status: 200 | 201 | 202 | 204;
  readonly description: string;
  /** The body; none for 204. */
  readonly schema?: z.ZodMiniType;
  /** Headers worth naming (Location of what was created). */
  readonly location?: true;
  /**
   * A public read shared caches may keep: the answer carries ETag and Cache-Control, and a request whose If-None-Match
   * matches is answered 304 with no body (shared/http/conditional.ts).
   */
  readonly cacheable?: true;
  /** 409 (state changed, key reused) and 422 (a business rule refused it), when the use case throws them. */
  readonly refusals?: readonly (404 | 409 | 422)[];
}

/** Partial so a route can be added in one commit before its answer is described; the OpenAPI generator refuses a gap. */
export const ROUTE_RESPONSES: Readonly<Partial<Record<KnownRoute, RouteResponse>>> = {
  'GET /health': { status: 200, description: 'The API path is alive', schema: HealthResponseSchema },
  'GET /openapi.json': { status: 200, description: 'This OpenAPI 3.1 document', schema: OpenApiDocumentSchema },
  'GET /products': { status: 200, description: 'Active products, newest first', schema: ProductPageSchema, cacheable: true },
  'GET /products/{productId}': {
    status: 200,
    description: 'The product with its SKUs, prices and available stock',
    schema: ProductSchema,
    cacheable: true,
  },

  'GET /cart': { status: 200, description: "The caller's cart, priced now", schema: CartSchema },
  'PUT /cart/items/{sku}': { status: 200, description: 'The cart after the change', schema: CartSchema, refusals: [409, 422] },
  'DELETE /cart/items/{sku}': { status: 200, description: 'The cart after the change', schema: CartSchema, refusals: [409] },
  'DELETE /cart': { status: 204, description: 'The cart is empty' },
  'POST /checkout': {
    status: 202,
    description: 'The order is placed; poll it at Location',
    schema: CheckoutAcceptedSchema,
    location: true,
    refusals: [409, 422],
  },
  'GET /orders': { status: 200, description: "The caller's orders, newest first", schema: OrderPageSchema },
  'GET /orders/{orderId}': { status: 200, description: "The caller's order", schema: OrderSchema },
  'POST /orders/{orderId}/cancel': { status: 200, description: 'The cancelled order', schema: OrderSchema, refusals: [409] },
  'GET /me': { status: 200, description: 'The verified caller', schema: MeResponseSchema },
  'PUT /me/address': { status: 200, description: "The caller's default shipping address as saved", schema: AddressViewSchema },
  'GET /me/address': { status: 200, description: "The caller's default shipping address", schema: AddressViewSchema, refusals: [404] },
  'GET /me/export': {
    status: 200,
    description: 'Everything held about the caller, once per hour (429 with Retry-After sooner)',
    schema: PersonalDataExportSchema,
  },
  'DELETE /me': { status: 202, description: "The caller's erasure is recorded and will be carried out (docs/privacy.md)", schema: ErasureAcceptedSchema },

  'POST /vendor/products': { status: 201, description: 'The product as listed', schema: ProductSchema, location: true, refusals: [409, 422] },
  'POST /vendor/products/batch': { status: 200, description: 'Each product created or refused on its own', schema: ProductBatchResultSchema },
  'PATCH /vendor/products/{productId}': { status: 200, description: 'The product after the change', schema: ProductSchema, refusals: [422] },
  'DELETE /vendor/products/{productId}': { status: 200, description: 'The archived product', schema: ProductSchema },
  'POST /vendor/products/{productId}/stock': {
    status: 200,
    description: "The product with the SKU's stock after the change",
    schema: ProductSchema,
    refusals: [409],
  },
  'GET /vendor/orders': { status: 200, description: "The orders holding the caller's SKUs, with the caller's lines only", schema: VendorOrderPageSchema },

  'GET /admin/orders': { status: 200, description: 'The orders in that status and window, newest first', schema: OrderPageSchema },
  'POST /admin/orders/{orderId}/refund': { status: 200, description: 'The order after the refund', schema: OrderSchema, refusals: [409, 422] },
  'GET /admin/audit': { status: 200, description: 'Audit events, newest first', schema: AuditEventPageSchema },
  'GET /admin/reconciliation': { status: 200, description: 'The latest reconciliation report', schema: ReconciliationReportSchema, refusals: [404] },
  'GET /admin/switches': { status: 200, description: 'Every mitigation switch and how long a flip takes to act', schema: SwitchListSchema },
  'PUT /admin/switches/{name}': { status: 200, description: 'The switch as it now is (audited)', schema: SwitchViewSchema, refusals: [404] },
  'POST /admin/queues/{queueName}/redrive': { status: 200, description: 'How many messages went back to the queue', schema: RedriveResponseSchema },
  'POST /admin/users/{userId}/erasure': {
    status: 202,
    description: "The user's erasure is recorded and will be carried out (docs/privacy.md)",
    schema: ErasureAcceptedSchema,
  },

  'POST /webhooks/stripe': { status: 200, description: 'The event is recorded and queued', schema: StripeWebhookAckSchema },
  'POST /webhooks/inventory/{providerId}': { status: 202, description: 'Lines queued and quarantined', schema: InventoryWebhookAcceptedSchema },
};
