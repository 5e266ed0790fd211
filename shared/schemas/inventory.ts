import * as z from '../validation/zod';

/** The most lines one webhook may carry (the body size limit usually binds first). */
export const MAX_INVENTORY_WEBHOOK_LINES = 500;
/** The smallest non-zero quantity a line may carry. */
export const MIN_FRACTIONAL_QUANTITY = 0.000_001;

/** `POST /webhooks/inventory/{providerId}`: the provider id as the path carries it; unknown ids are 404. */
export const InventoryWebhookPathSchema = z.strictObject({ providerId: z.string().check(z.minLength(1), z.maxLength(64)) });

const InventoryWebhookLineSchema = z.strictObject({
  /** The provider's SKU; the stage's mapping translates it (or quarantines the line). */
  externalSku: z.string().check(z.minLength(1), z.maxLength(128)),
  /**
   * Absolute stock on hand in `unit`, not a delta. Zero or at least a millionth: finer fractions say nothing about
   * stock, and DynamoDB cannot store numbers below 1e-130 (a quarantined line keeps its quantity).
   */
  quantity: z.number().check(
    z.minimum(0),
    z.maximum(1_000_000_000),
    z.refine((q) => q === 0 || q >= MIN_FRACTIONAL_QUANTITY, 'zero, or at least 0.000001'),
  ),
  /** One of the provider's units; an unknown unit quarantines the line. @default the mapping's defaultUnit */
  unit: z.optional(z.string().check(z.minLength(1), z.maxLength(32))),
  /** The provider's version of this SKU's stock; newer wins. @default occurredAt in epoch milliseconds */
  version: z.optional(z.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER))),
});

/**
 * The inventory webhook body (api-contract.md): strict, so unknown fields are refused. An externalSku appears at
 * most once per event, because the event id and the external SKU identify a line (the queue de-duplicates by them).
 */
export const InventoryWebhookBodySchema = z
  .strictObject({
    /** The provider's id of this event, unique per provider: a redelivery carries the same one. */
    eventId: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only')),
    occurredAt: z.iso.datetime({ offset: true }),
    updates: z.array(InventoryWebhookLineSchema).check(z.minLength(1), z.maxLength(MAX_INVENTORY_WEBHOOK_LINES)),
  })
  .check(
    z.superRefine((body, ctx) => {
      const seen = new Set<string>();
      body.updates.forEach((line, i) => {
        if (seen.has(line.externalSku)) ctx.addIssue({ code: 'custom', path: ['updates', i, 'externalSku'], message: 'appears more than once in this event' });
        seen.add(line.externalSku);
      });
    }),
  );

export type InventoryWebhookBody = z.infer<typeof InventoryWebhookBodySchema>;

/** `202`: how many lines were queued, and how many were quarantined (recorded, not applied). */
export const InventoryWebhookAcceptedSchema = z.strictObject({
  accepted: z.number().check(z.int(), z.minimum(0)),
  quarantined: z.number().check(z.int(), z.minimum(0)),
});
export type InventoryWebhookAccepted = z.infer<typeof InventoryWebhookAcceptedSchema>;
