import * as z from '../validation/zod';
import { ORDER_STATUSES } from '../domain/model/order';
import { MINOR_UNITS_DESCRIPTION } from './catalog';

/**
 * What the API answers, as zod schemas: the OpenAPI document's response bodies are written from these (never a
 * copy), and the e2e suite checks every response it receives against that document. Strict, so a field the API
 * starts returning without a schema here fails that check. Each mirrors the view a handler returns (orderView,
 * toProduct, getCart, listPage, …); amounts are integers in minor units.
 */

const isoTime = z.iso.datetime({ offset: true });
const int = z.number().check(z.int(), z.minimum(0));

/** Money as returned: an integer in minor units and its ISO 4217 code. */
export const MoneyViewSchema = z.strictObject({
  amount: z.number().check(z.int(), z.minimum(0), z.describe(MINOR_UNITS_DESCRIPTION)),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/)),
});

/** RFC 9457 problem details: every 4xx and 5xx, from a handler or from API Gateway itself. */
export const ProblemSchema = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.number().check(z.int(), z.minimum(400), z.maximum(599)),
  detail: z.string(),
  instance: z.string(),
  /** The request id to quote when reporting a 5xx (also on the gateway's own answers). */
  correlationId: z.optional(z.string()),
  /** Field-level problems of a 400, e.g. `{ path: "body.items.0.quantity", message }`. */
  errors: z.optional(z.array(z.strictObject({ path: z.string(), message: z.string() }))),
});

/** A page of a listing: the items and, when more follow, the opaque cursor of the next page. */
export function pageOf<T extends z.ZodMiniType>(item: T) {
  return z.strictObject({ items: z.array(item), nextCursor: z.optional(z.string()) });
}

export const ProductSchema = z.strictObject({
  productId: z.string(),
  vendorId: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.enum(['ACTIVE', 'ARCHIVED']),
  skus: z.array(
    z.strictObject({
      sku: z.string(),
      name: z.string(),
      price: MoneyViewSchema,
      /** On hand less reserved, never below zero. */
      available: int,
    }),
  ),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export const ProductPageSchema = pageOf(ProductSchema);

/** `200` of POST /vendor/products/batch: one result per product, in the batch's order: its id, or why it was refused. */
export const ProductBatchResultSchema = z.strictObject({
  results: z.array(
    z.union([
      z.strictObject({ index: int, productId: z.string() }),
      z.strictObject({
        index: int,
        error: z.strictObject({
          status: z.number().check(z.int(), z.minimum(400), z.maximum(499)),
          title: z.string(),
          detail: z.string(),
          errors: z.optional(z.array(z.strictObject({ path: z.string(), message: z.string() }))),
        }),
      }),
    ]),
  ),
});

/** The caller's cart, priced from the catalog when read; `total` and `currency` are null while it is empty. */
export const CartSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      sku: z.string(),
      productId: z.string(),
      name: z.string(),
      quantity: z.number().check(z.int(), z.minimum(1)),
      unitPrice: MoneyViewSchema,
      lineTotal: MoneyViewSchema,
    }),
  ),
  total: z.nullable(MoneyViewSchema),
  currency: z.nullable(z.string()),
  version: int,
});

const OrderLineSchema = z.strictObject({
  sku: z.string(),
  productId: z.string(),
  vendorId: z.string(),
  quantity: z.number().check(z.int(), z.minimum(1)),
  unitPrice: MoneyViewSchema,
  lineTotal: MoneyViewSchema,
});

/** A shipping address as stored and returned (PUT and GET /me/address, an order's shipping). */
export const AddressViewSchema = z.strictObject({
  name: z.string(),
  line1: z.string(),
  line2: z.optional(z.string()),
  city: z.string(),
  postalCode: z.optional(z.string()),
  region: z.optional(z.string()),
  country: z.string().check(z.regex(/^[A-Z]{2}$/)),
});

const ShippingOptionViewSchema = z.strictObject({ id: z.string(), label: z.string() });

/** `202` of POST /checkout: the order and its status at that moment; poll GET /orders/{orderId}. */
export const CheckoutAcceptedSchema = z.strictObject({ orderId: z.string(), status: z.enum(ORDER_STATUSES) });

/** An order as its owner (and an admin) sees it; `payment.clientSecret` only while it awaits payment. */
export const OrderSchema = z.strictObject({
  orderId: z.string(),
  customerId: z.string(),
  status: z.enum(ORDER_STATUSES),
  lines: z.array(OrderLineSchema),
  total: MoneyViewSchema,
  currency: z.string(),
  payment: z.optional(z.strictObject({ provider: z.literal('stripe'), paymentIntentId: z.string(), status: z.string(), clientSecret: z.optional(z.string()) })),
  failureReason: z.optional(z.string()),
  /** What has been refunded so far, when anything has. */
  refunded: z.optional(MoneyViewSchema),
  /** Where it ships, the contact e-mail, the option and its charge (included in `total`). */
  shipping: z.optional(z.strictObject({ address: AddressViewSchema, email: z.string(), option: ShippingOptionViewSchema, amount: MoneyViewSchema })),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export const OrderPageSchema = pageOf(OrderSchema);

/** An order as a vendor sees it: its own lines and their total, and where and how to ship them; nothing else of the customer. */
export const VendorOrderSchema = z.strictObject({
  orderId: z.string(),
  status: z.enum(ORDER_STATUSES),
  lines: z.array(OrderLineSchema),
  total: MoneyViewSchema,
  shipping: z.optional(z.strictObject({ address: AddressViewSchema, option: ShippingOptionViewSchema })),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export const VendorOrderPageSchema = pageOf(VendorOrderSchema);

export const AuditEventSchema = z.strictObject({
  at: isoTime,
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['succeeded', 'denied', 'failed']),
  sourceIp: z.optional(z.string()),
  /** The API Gateway request id of the request that caused the event (the caller's `x-amzn-RequestId`). */
  requestId: z.optional(z.string()),
  /** What was done, in words; money in it is written as money, e.g. "10.00 EUR of 36.00 EUR: damaged". */
  detail: z.optional(z.string()),
  /** The amounts the detail speaks of, by name (a refund's `refund`, `orderTotal`, `refundable`), in minor units. */
  amounts: z.optional(z.record(z.string(), MoneyViewSchema)),
});
export const AuditEventPageSchema = pageOf(AuditEventSchema);

/** The latest payment reconciliation: what was compared and every discrepancy found (with the remedy applied). */
export const ReconciliationReportSchema = z.strictObject({
  runAt: isoTime,
  window: z.strictObject({ from: isoTime, to: isoTime }),
  checked: int,
  discrepancies: z.array(
    z.strictObject({
      kind: z.enum([
        'paid-without-order',
        'confirmed-without-payment',
        'amount-mismatch',
        'currency-mismatch',
        'refund-drift',
        'stuck-awaiting-payment',
        'missed-payment-outcome',
        'orphaned-payment-intent',
      ]),
      orderId: z.optional(z.string()),
      paymentIntentId: z.optional(z.string()),
      detail: z.string(),
      remedy: z.optional(
        z.strictObject({
          name: z.enum(['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order']),
          outcome: z.enum(['applied', 'failed']),
          detail: z.optional(z.string()),
        }),
      ),
    }),
  ),
  omitted: z.optional(int),
});

/** `200` of POST /webhooks/stripe: the event is recorded (or was already: `duplicate`). */
export const StripeWebhookAckSchema = z.strictObject({ received: z.literal(true), duplicate: z.boolean() });

/** GET /openapi.json: this document (OpenAPI 3.1). */
export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string().check(z.regex(/^3\.1\.\d+$/)), info: z.looseObject({}), paths: z.looseObject({}) });
