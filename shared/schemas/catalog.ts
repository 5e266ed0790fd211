import * as z from '../validation/zod';
import { PageQueryShape } from './listing';
import { MAX_STOCK_SHARDS } from '../domain/inventory/stock-shards';

/** Crockford base32, 26 characters: the shape of every Stockade id. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Documents every amount of the API (OpenAPI descriptions): minor units, by the currency's ISO 4217 exponent. */
export const MINOR_UNITS_DESCRIPTION =
  'An integer in minor units of the currency (its ISO 4217 exponent): amount 3600 with EUR is 36.00 EUR, 500 with JPY is 500 JPY, 1500 with KWD is 1.500 KWD.';

export const MoneySchema = z.strictObject({
  amount: z.number().check(z.int(), z.minimum(1), z.maximum(100_000_000), z.describe(MINOR_UNITS_DESCRIPTION)),
  currency: z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')),
});

export const SkuCodeSchema = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash or underscore; at most 64'));

/** A product or SKU name: trimmed, 1 to 200 characters. */
const NameSchema = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));

export const CreateProductBodySchema = z.strictObject({
  name: NameSchema,
  description: z._default(z.string().check(z.maxLength(5_000)), ''),
  skus: z
    .array(
      z.strictObject({
        sku: SkuCodeSchema,
        name: NameSchema,
        price: MoneySchema,
        initialStock: z.number().check(z.int(), z.minimum(0), z.maximum(1_000_000)),
        stockShards: z.optional(
          z
            .number()
            .check(
              z.int(),
              z.minimum(1),
              z.maximum(MAX_STOCK_SHARDS),
              z.describe(
                'Stock shards for a flash-sale SKU: its stock is kept in this many items, so up to this many reservations of it proceed at once. 1 (the default) suits all but SKUs expected to sell hundreds of units a second.',
              ),
            ),
        ),
      }),
    )
    .check(z.minLength(1), z.maxLength(50)),
});

/**
 * POST /vendor/products/batch: up to 100 products. The envelope is checked here; each product is checked on its own
 * against CreateProductBodySchema by the handler, so one malformed product is refused alone, not the whole batch.
 */
export const CreateProductsBatchBodySchema = z.strictObject({
  products: z.array(z.unknown()).check(z.minLength(1), z.maxLength(100)),
});

export const UpdateProductBodySchema = z
  .strictObject({
    name: z.optional(NameSchema),
    description: z.optional(z.string().check(z.maxLength(5_000))),
    skus: z.optional(
      z.array(z.strictObject({ sku: SkuCodeSchema, name: z.optional(NameSchema), price: z.optional(MoneySchema) })).check(z.minLength(1), z.maxLength(50)),
    ),
  })
  .check(z.refine((b) => b.name !== undefined || b.description !== undefined || b.skus !== undefined, 'change at least one of name, description, skus'));

/**
 * POST /vendor/products/{productId}/stock: one SKU's stock on hand, as an absolute level (`onHand`) or a change
 * (`delta`, not zero), exactly one of them, with the reason (kept in the audit trail and the inventory ledger).
 */
export const AdjustStockBodySchema = z
  .strictObject({
    sku: SkuCodeSchema,
    onHand: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(1_000_000))),
    delta: z.optional(
      z.number().check(
        z.int(),
        z.minimum(-1_000_000),
        z.maximum(1_000_000),
        z.refine((d) => d !== 0, 'must not be zero'),
      ),
    ),
    reason: z.string().check(z.trim(), z.minLength(3), z.maxLength(500)),
  })
  .check(z.refine((b) => (b.onHand === undefined) !== (b.delta === undefined), 'give exactly one of onHand, delta'));

export const ProductIdPathSchema = z.strictObject({ productId: z.string().check(z.regex(ULID, 'a product id')) });

export const ListProductsQuerySchema = z.strictObject({
  ...PageQueryShape,
  vendorId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  q: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
});
