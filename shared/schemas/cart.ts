import { z } from 'zod';
import { SkuCodeSchema } from './catalog';

export const SkuPathSchema = z.object({ sku: SkuCodeSchema }).strict();
/** Only a quantity: prices always come from the catalog, never from the client. */
export const CartItemBodySchema = z.object({ quantity: z.number().int().min(1).max(99) }).strict();
