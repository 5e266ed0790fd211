import { z } from 'zod';

/** The most lines one webhook may carry (the body size limit usually binds first). */
export const MAX_INVENTORY_WEBHOOK_LINES = 500;
/** The smallest non-zero quantity a line may carry. */
export const MIN_FRACTIONAL_QUANTITY = 0.000_001;

/** `POST /webhooks/inventory/{providerId}`: the provider id as the path carries it; unknown ids are 404. */
export const InventoryWebhookPathSchema = z.object({ providerId: z.string().min(1).max(64) }).strict();

const InventoryWebhookLineSchema = z
  .object({
    /** The provider's SKU; the stage's mapping translates it (or quarantines the line). */
    externalSku: z.string().min(1).max(128),
    /**
     * Absolute stock on hand in `unit`, not a delta. Zero or at least a millionth: finer fractions say nothing about
     * stock, and DynamoDB cannot store numbers below 1e-130 (a quarantined line keeps its quantity).
     */
    quantity: z
      .number()
      .min(0)
      .max(1_000_000_000)
      .refine((q) => q === 0 || q >= MIN_FRACTIONAL_QUANTITY, 'zero, or at least 0.000001'),
    /** One of the provider's units; an unknown unit quarantines the line. @default the mapping's defaultUnit */
    unit: z.string().min(1).max(32).optional(),
    /** The provider's version of this SKU's stock; newer wins. @default occurredAt in epoch milliseconds */
    version: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

/**
 * The inventory webhook body (api-contract.md): strict, so unknown fields are refused. An externalSku appears at
 * most once per event, because the event id and the external SKU identify a line (the queue de-duplicates by them).
 */
export const InventoryWebhookBodySchema = z
  .object({
    /** The provider's id of this event, unique per provider: a redelivery carries the same one. */
    eventId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only'),
    occurredAt: z.iso.datetime({ offset: true }),
    updates: z.array(InventoryWebhookLineSchema).min(1).max(MAX_INVENTORY_WEBHOOK_LINES),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.updates.forEach((line, i) => {
      if (seen.has(line.externalSku)) ctx.addIssue({ code: 'custom', path: ['updates', i, 'externalSku'], message: 'appears more than once in this event' });
      seen.add(line.externalSku);
    });
  });

export type InventoryWebhookBody = z.infer<typeof InventoryWebhookBodySchema>;

/** `202`: how many lines were queued, and how many were quarantined (recorded, not applied). */
export const InventoryWebhookAcceptedSchema = z.object({ accepted: z.number().int().min(0), quarantined: z.number().int().min(0) }).strict();
export type InventoryWebhookAccepted = z.infer<typeof InventoryWebhookAcceptedSchema>;
