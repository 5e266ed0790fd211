import { type InventoryProviders, parseInventoryProviders } from '../domain/inventory/provider-config';
import { optionalEnv } from './env';

/**
 * The stage's inventory provider data, inlined at build time (StockadeFunction's `inventoryProviders`) and checked
 * again at cold start. `STOCKADE_INVENTORY_API_URL` (the local runtime's provider stand-in) replaces every
 * provider's apiUrl with `<url>/<providerId>/`.
 */
export function inventoryProviders(): InventoryProviders {
  const raw = process.env.STOCKADE_INVENTORY_PROVIDERS;
  if (!raw) throw new Error('Missing configuration: STOCKADE_INVENTORY_PROVIDERS (bind the function with inventoryProviders)');
  const data = parseInventoryProviders(JSON.parse(raw) as unknown);
  const override = optionalEnv('STOCKADE_INVENTORY_API_URL', '');
  if (!override) return data;
  const base = override.endsWith('/') ? override : `${override}/`;
  return { ...data, providers: Object.fromEntries(Object.entries(data.providers).map(([id, p]) => [id, { ...p, apiUrl: `${base}${id}/` }])) };
}
