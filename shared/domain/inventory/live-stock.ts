import type { ProviderHealth } from '../../ports/inventory';
import type { InventoryProviders } from './provider-config';

/** What checkout needs to know which SKUs may be sold only on a provider's live stock, and whether it has it now. */
export interface LiveStockPolicy {
  readonly providers: InventoryProviders;
  readonly health: ProviderHealth;
}

/**
 * The SKUs that cannot be sold now: those that require live stock (`requireLiveStock`) and follow the stock of a
 * provider whose circuit is open. Every other SKU sells on Stockade's own stock, whatever its provider's state. Each
 * provider's circuit is read once, and only when one of these SKUs depends on it.
 */
export async function skusWithoutLiveStock(
  policy: LiveStockPolicy,
  skus: ReadonlyArray<{ readonly sku: string; readonly stockSource?: string }>,
  now: Date,
): Promise<string[]> {
  const dependent = skus.filter((s) => s.stockSource !== undefined && requiresLiveStock(policy.providers, s.sku));
  const providers = [...new Set(dependent.map((s) => s.stockSource as string))];
  const open = new Set((await Promise.all(providers.map(async (id) => ((await policy.health.isOpen(id, now)) ? [id] : [])))).flat());
  return dependent.filter((s) => open.has(s.stockSource as string)).map((s) => s.sku);
}

/** Whether checkout must refuse this SKU while its provider cannot confirm stock. */
export function requiresLiveStock(config: InventoryProviders, sku: string): boolean {
  return config.requireLiveStock.skus.includes(sku) || config.requireLiveStock.prefixes.some((p) => sku.startsWith(p));
}
