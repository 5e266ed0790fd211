import * as z from '../validation/zod';
import { type InventoryProviders, parseInventoryProviders } from '../domain/inventory/provider-config';
import { optionalEnv } from './env';
import { ENV } from './env-names';

/**
 * The stage's inventory provider data, inlined at build time (StockadeFunction's `inventoryProviders`) and checked
 * again at cold start. `STOCKADE_INVENTORY_API_URL` (the local runtime's provider stand-in) replaces every
 * provider's apiUrl with `<url>/<providerId>/`.
 */
export function inventoryProviders(): InventoryProviders {
  const raw = process.env.STOCKADE_INVENTORY_PROVIDERS;
  if (!raw) throw new Error('Missing configuration: STOCKADE_INVENTORY_PROVIDERS (bind the function with inventoryProviders)');
  const data = parseInventoryProviders(JSON.parse(raw) as unknown);
  const override = optionalEnv(ENV.STOCKADE_INVENTORY_API_URL, '');
  if (!override) return data;
  const base = override.endsWith('/') ? override : `${override}/`;
  return { ...data, providers: Object.fromEntries(Object.entries(data.providers).map(([id, p]) => [id, { ...p, apiUrl: `${base}${id}/` }])) };
}

/**
 * Each provider's HMAC secret ARN, from `INVENTORY_PROVIDER_SECRET_ARNS` (StockadeFunction.bindSecretMap): a JSON
 * map of provider id to ARN. Fails the cold start when a provider of `data` has none.
 */
export function inventoryProviderSecretArns(data: InventoryProviders): Record<string, string> {
  const raw = process.env.INVENTORY_PROVIDER_SECRET_ARNS;
  if (!raw) throw new Error('Missing configuration: INVENTORY_PROVIDER_SECRET_ARNS (bind the function with bindSecretMap)');
  const arns = z.record(z.string(), z.string().check(z.startsWith('arn:'))).parse(JSON.parse(raw));
  const unbound = Object.keys(data.providers).filter((id) => !Object.hasOwn(arns, id));
  if (unbound.length > 0)
    throw new Error(`Missing configuration: no HMAC secret bound for inventory provider(s) ${unbound.join(', ')} (INVENTORY_PROVIDER_SECRET_ARNS)`);
  return arns;
}
