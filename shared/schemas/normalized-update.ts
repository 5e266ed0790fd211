import * as z from '../validation/zod';
import type { NormalizedUpdate } from '../domain/inventory/normalize';

const MAX_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * A message of the inventory updates queue: exactly one NormalizedUpdate as JSON (shared/domain/inventory/normalize.ts),
 * as the webhook and the full sync enqueue it. Strict: an unknown field, a fractional or negative onHand, a SKU or
 * provider id of the wrong shape is refused, so nothing the normalizer would have quarantined reaches the ledger.
 */
export const NormalizedUpdateSchema = z.strictObject({
  providerId: z.string().check(z.regex(/^[a-z0-9-]{3,40}$/)),
  priority: z.number().check(z.int(), z.minimum(0), z.maximum(1000)),
  eventId: z.string().check(z.minLength(1), z.maxLength(128)),
  externalSku: z.string().check(z.minLength(1), z.maxLength(128)),
  sku: z.string().check(z.regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/)),
  onHand: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_VERSION)),
  version: z.number().check(z.int(), z.minimum(0), z.maximum(MAX_VERSION)),
  occurredAt: z.iso.datetime({ offset: true }),
}) satisfies z.ZodMiniType<NormalizedUpdate>;
