import { z } from 'zod';
import { PageQueryShape } from './listing';

/** Crockford base32, 26 characters: the shape of every Stockade id. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export const MoneySchema = z
  .object({
    amount: z.number().int().min(1).max(100_000_000),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
  })
  .strict();

export const SkuCodeSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash or underscore; at most 64');

export const CreateProductBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(5_000).default(''),
    skus: z
      .array(
        z
          .object({ sku: SkuCodeSchema, name: z.string().trim().min(1).max(200), price: MoneySchema, initialStock: z.number().int().min(0).max(1_000_000) })
          .strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();

export const UpdateProductBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(5_000).optional(),
    skus: z
      .array(z.object({ sku: SkuCodeSchema, name: z.string().trim().min(1).max(200).optional(), price: MoneySchema.optional() }).strict())
      .min(1)
      .max(50)
      .optional(),
  })
  .strict()
  .refine((b) => b.name !== undefined || b.description !== undefined || b.skus !== undefined, 'change at least one of name, description, skus');

export const ProductIdPathSchema = z.object({ productId: z.string().regex(ULID, 'a product id') }).strict();

export const ListProductsQuerySchema = z
  .object({
    ...PageQueryShape,
    vendorId: z.string().min(1).max(64).optional(),
    q: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
