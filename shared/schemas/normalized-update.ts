import { z } from 'zod';
import type { NormalizedUpdate } from '../domain/inventory/normalize';

const MAX_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * A message of the inventory updates queue: exactly one NormalizedUpdate as JSON (shared/domain/inventory/normalize.ts),
 * as the webhook and the full sync enqueue it. Strict: an unknown field, a fractional or negative onHand, a SKU or
 * provider id of the wrong shape is refused, so nothing the normalizer would have quarantined reaches the ledger.
 */
export const NormalizedUpdateSchema = z
  .object({
    providerId: z.string().regex(/^[a-z0-9-]{3,40}$/),
    priority: z.number().int().min(0).max(1000),
    eventId: z.string().min(1).max(128),
    externalSku: z.string().min(1).max(128),
    sku: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/),
    onHand: z.number().int().min(0).max(MAX_VERSION),
    version: z.number().int().min(0).max(MAX_VERSION),
    occurredAt: z.iso.datetime({ offset: true }),
  })
  .strict() satisfies z.ZodType<NormalizedUpdate>;
