import { z } from 'zod';
import { SkuCodeSchema, ULID } from './catalog';
import { PageQueryShape } from './listing';

/** `{}` checks out the cart; `{ items }` names the lines. Quantities only: prices come from the catalog. */
export const CheckoutBodySchema = z
  .object({
    items: z
      .array(z.object({ sku: SkuCodeSchema, quantity: z.number().int().min(1).max(99) }).strict())
      .min(1)
      .max(50)
      .optional(),
  })
  .strict();

/** 16..64 visible ASCII characters (a UUID or ULID fits). */
export const IdempotencyKeySchema = z.string().regex(/^[\x21-\x7e]{16,64}$/, '16 to 64 visible ASCII characters');

export const OrderIdPathSchema = z.object({ orderId: z.string().regex(ULID, 'an order id') }).strict();

/** An admin refund: the amount in minor units (the whole remaining amount when absent) and why. */
export const RefundBodySchema = z
  .object({
    amount: z.number().int().min(1).max(100_000_000).optional(),
    reason: z.string().trim().min(3).max(500),
  })
  .strict();

/** GET /orders: the caller's orders, newest first. */
export const ListOrdersQuerySchema = z.object(PageQueryShape).strict();
