import type { ProviderSettings, Rounding } from './provider-config';

import type { NormalizedUpdate, ProviderStockLine } from '../model/inventory';

export type { NormalizedUpdate, ProviderStockLine } from '../model/inventory';

export type Normalized =
  { readonly ok: true; readonly update: NormalizedUpdate } | { readonly ok: false; readonly externalSku: string; readonly reason: string };

/** Quantities are compared to whole numbers with this tolerance, so 0.1 * 30 counts as 3. */
const EPSILON = 1e-9;

/**
 * Translates one provider line into Stockade's SKU and eaches: the SKU through the mapping (one by one, or by
 * prefix), the unit through its eaches-per-unit factor, a fraction of an each through the rounding rule. A line
 * that cannot be translated (unknown SKU or unit, a fraction the rule rejects, a bad number) is quarantined with
 * its reason; it never becomes a fractional or negative stock.
 */
export function normalizeLine(
  provider: { readonly id: string; readonly settings: ProviderSettings },
  event: { readonly eventId: string; readonly occurredAt: string },
  line: ProviderStockLine,
): Normalized {
  const quarantine = (reason: string): Normalized => ({ ok: false, externalSku: line.externalSku, reason });
  const { settings } = provider;
  const exact = Object.hasOwn(settings.skus, line.externalSku) ? settings.skus[line.externalSku] : undefined;
  const prefix = exact
    ? undefined
    : settings.prefixes.find((p) => line.externalSku.startsWith(p.externalPrefix) && line.externalSku.length > p.externalPrefix.length);
  const sku = exact?.sku ?? (prefix ? prefix.skuPrefix + line.externalSku.slice(prefix.externalPrefix.length) : undefined);
  if (!sku || !/^[A-Z0-9][A-Z0-9-]{0,63}$/.test(sku)) return quarantine('unknown-sku');
  const units = exact?.units ?? settings.units;
  const unit = line.unit ?? exact?.defaultUnit ?? settings.defaultUnit;
  const factor = Object.hasOwn(units, unit) ? units[unit] : undefined;
  if (factor === undefined) return quarantine(`unknown-unit:${unit}`);
  if (!Number.isFinite(line.quantity) || line.quantity < 0) return quarantine('invalid-quantity');
  const eaches = roundEaches(line.quantity * factor, exact?.rounding ?? settings.rounding);
  if (eaches === undefined) return quarantine('fractional-quantity');
  if (!Number.isSafeInteger(eaches)) return quarantine('invalid-quantity');
  const version = line.version ?? Date.parse(event.occurredAt);
  if (!Number.isSafeInteger(version) || version < 0) return quarantine('invalid-version');
  return {
    ok: true,
    update: {
      providerId: provider.id,
      priority: settings.priority,
      eventId: event.eventId,
      externalSku: line.externalSku,
      sku,
      onHand: eaches,
      version,
      occurredAt: event.occurredAt,
    },
  };
}

function roundEaches(value: number, rounding: Rounding): number | undefined {
  const whole = Math.round(value);
  if (Math.abs(value - whole) < EPSILON) return Math.max(0, whole);
  switch (rounding) {
    case 'down':
      return Math.max(0, Math.floor(value));
    case 'up':
      return Math.ceil(value);
    case 'nearest':
      return Math.max(0, whole);
    case 'reject':
      return undefined;
  }
}
