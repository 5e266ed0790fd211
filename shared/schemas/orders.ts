import * as z from '../validation/zod';
import { MINOR_UNITS_DESCRIPTION, ULID } from './catalog';
import { ORDER_STATUSES } from '../domain/model/order';
import { PageQueryShape } from './listing';

/** 16..64 visible ASCII characters (a UUID or ULID fits). */
export const IdempotencyKeySchema = z.string().check(z.regex(/^[\x21-\x7e]{16,64}$/, '16 to 64 visible ASCII characters'));

export const OrderIdPathSchema = z.strictObject({ orderId: z.string().check(z.regex(ULID, 'an order id')) });

/** An admin refund: the amount in minor units (the whole remaining amount when absent) and why. */
export const RefundBodySchema = z.strictObject({
  amount: z.optional(
    z.number().check(z.int(), z.minimum(1), z.maximum(100_000_000), z.describe(`${MINOR_UNITS_DESCRIPTION} The whole refundable rest when absent.`)),
  ),
  reason: z.string().check(z.trim(), z.minLength(3), z.maxLength(500)),
});

/** GET /orders: the caller's orders, newest first. */
export const ListOrdersQuerySchema = z.strictObject(PageQueryShape);

/** GET /vendor/orders: the orders holding the calling vendor's SKUs, newest first. */
export const VendorListOrdersQuerySchema = z.strictObject(PageQueryShape);

/**
 * GET /admin/orders: every order in one status, newest first, created in [from, to] (ISO 8601 times with an offset;
 * from the beginning and up to now when absent). The status is required: orders are indexed by status.
 */
export const AdminListOrdersQuerySchema = z.strictObject({
  ...PageQueryShape,
  status: z.enum(ORDER_STATUSES),
  from: z.optional(z.iso.datetime({ offset: true })),
  to: z.optional(z.iso.datetime({ offset: true })),
});
