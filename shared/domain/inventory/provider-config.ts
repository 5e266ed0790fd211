import * as z from '../../validation/zod';

const PROVIDER_ID = /^[a-z0-9-]{3,40}$/;
const SKU = /^[A-Z0-9][A-Z0-9-]{0,63}$/;
const UNIT = /^[a-z][a-z0-9-]{0,31}$/;

/** How a quantity that is not a whole number of eaches (1.5 cases of 5) becomes one. */
export const ROUNDING = ['down', 'up', 'nearest', 'reject'] as const;
export type Rounding = (typeof ROUNDING)[number];

/** Units a provider counts in, as eaches per unit: `{ "each": 1, "case": 12 }`. */
const UnitsSchema = z
  .record(z.string().check(z.regex(UNIT)), z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)))
  .check(z.refine((u) => Object.keys(u).length > 0, 'at least one unit'));

const SkuMappingSchema = z.strictObject({
  /** Stockade's SKU. */
  sku: z.string().check(z.regex(SKU)),
  /** Overrides the provider's units for this SKU. */
  units: z.optional(UnitsSchema),
  /** The unit an update without `unit` is in. @default the provider's defaultUnit */
  defaultUnit: z.optional(z.string().check(z.regex(UNIT))),
  rounding: z.optional(z.enum(ROUNDING)),
});

const ProviderSchema = z
  .strictObject({
    /** Where several providers feed one SKU, the highest priority that has reported it decides its stock. */
    priority: z.number().check(z.int(), z.minimum(0), z.maximum(1000)),
    /** The provider's API (sale notifications POST {apiUrl}/sales, snapshots GET {apiUrl}/stock). */
    apiUrl: z.url().check(z.refine((u) => u.startsWith('https://'), 'must be https')),
    units: UnitsSchema,
    defaultUnit: z.string().check(z.regex(UNIT)),
    rounding: z.enum(ROUNDING),
    /** External SKU -> Stockade SKU, one by one. */
    skus: z.record(z.string().check(z.minLength(1), z.maxLength(128)), SkuMappingSchema),
    /** External SKUs starting with `externalPrefix` map to `skuPrefix` + the rest, for families of SKUs. */
    prefixes: z.array(z.strictObject({ externalPrefix: z.string().check(z.minLength(1), z.maxLength(64)), skuPrefix: z.string().check(z.maxLength(64)) })),
    outbound: z.strictObject({
      timeoutMs: z.number().check(z.int(), z.minimum(100), z.maximum(30_000)),
      /** Attempts per notification within one relay run, with exponential backoff and jitter between them. */
      maxAttempts: z.number().check(z.int(), z.minimum(1), z.maximum(10)),
      /** Consecutive failures that open the circuit. */
      failureThreshold: z.number().check(z.int(), z.minimum(1), z.maximum(100)),
      /** How long an open circuit stays open before one trial call (half-open). */
      openSeconds: z.number().check(z.int(), z.minimum(1), z.maximum(3600)),
    }),
  })
  .check(z.refine((p) => p.defaultUnit in p.units, { message: 'defaultUnit must be one of units', path: ['defaultUnit'] }));

/**
 * Per-stage inventory provider data (config/inventory-providers/<stage>.json): how each provider's SKUs and units
 * become Stockade's, their priority, their outbound resilience settings, and which SKUs may be sold only on live
 * stock. Data, not code: a new provider SKU is a line in that file. Validated at synth, where it is inlined into the
 * bundles of the functions that use it; those import only the types from here, so no function carries these schemas.
 */
export const InventoryProvidersSchema = z
  .strictObject({
    providers: z.record(z.string().check(z.regex(PROVIDER_ID)), ProviderSchema),
    /** SKUs (or SKU prefixes) refused at checkout while their provider's circuit is open; the rest sell on our stock. */
    requireLiveStock: z.strictObject({ skus: z.array(z.string().check(z.regex(SKU))), prefixes: z.array(z.string().check(z.minLength(1), z.maxLength(64))) }),
  })
  .check(
    z.refine((c) => new Set(Object.values(c.providers).map((p) => p.priority)).size === Object.keys(c.providers).length, {
      // Equal priorities would let the last update win, and then the order of arrival would decide the stock.
      message: 'every provider needs its own priority',
      path: ['providers'],
    }),
  );

export type InventoryProviders = z.infer<typeof InventoryProvidersSchema>;
export type ProviderSettings = InventoryProviders['providers'][string];

/** Parses the data file's content; throws with every invalid path listed. */
export function parseInventoryProviders(value: unknown): InventoryProviders {
  const parsed = InventoryProvidersSchema.safeParse(value);
  if (!parsed.success)
    throw new Error(`Invalid inventory provider data:\n${parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')}`);
  return parsed.data;
}
