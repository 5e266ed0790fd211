import * as z from '../validation/zod';
import type { InventoryProviders } from '../domain/inventory/provider-config';
import { optionalEnv } from './env';
import { ENV } from './env-names';

/**
 * The stage's inventory provider data, inlined at build time (StockadeFunction's `inventoryProviders`): the result of
 * parsing config/inventory-providers/<stage>.json with InventoryProvidersSchema at synth, written into the bundle as
 * code, which nothing can change after the build. So a cold start only checks its outline and does not parse it
 * again: parsing it again with the schemas cost about 4 ms of every cold start of the functions that read it
 * (docs/benchmarks.md, "Cold start"). `STOCKADE_INVENTORY_API_URL` (the local runtime's provider stand-in) replaces
 * every provider's apiUrl with `<url>/<providerId>/`.
 */
export function inventoryProviders(): InventoryProviders {
  const raw = process.env.STOCKADE_INVENTORY_PROVIDERS;
  if (!raw) throw new Error('Missing configuration: STOCKADE_INVENTORY_PROVIDERS (bind the function with inventoryProviders)');
  const data = JSON.parse(raw) as unknown;
  if (!isProviderData(data)) throw new Error('Invalid configuration: STOCKADE_INVENTORY_PROVIDERS is not inventory provider data as synth writes it');
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

/** The outline of the inlined data: a providers map of objects and the two live-stock lists. */
function isProviderData(value: unknown): value is InventoryProviders {
  if (typeof value !== 'object' || value === null) return false;
  const { providers, requireLiveStock } = value as Partial<Record<keyof InventoryProviders, unknown>>;
  const isMap = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  return (
    isMap(providers) &&
    Object.values(providers as object).every(isMap) &&
    isMap(requireLiveStock) &&
    Array.isArray((requireLiveStock as Record<string, unknown>).skus) &&
    Array.isArray((requireLiveStock as Record<string, unknown>).prefixes)
  );
}
