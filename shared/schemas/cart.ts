import * as z from '../validation/zod';
import { SkuCodeSchema } from './catalog';

export const SkuPathSchema = z.strictObject({ sku: SkuCodeSchema });
/** Only a quantity: prices always come from the catalog, never from the client. */
export const CartItemBodySchema = z.strictObject({ quantity: z.number().check(z.int(), z.minimum(1), z.maximum(99)) });
