import { HttpInventoryProvider } from '../../shared/adapters/http-inventory-provider';
import { CockatielProviderChannels, withTimeoutAndRetry } from '../../shared/adapters/provider-channels';
import { inventoryProviderSecrets } from '../../shared/adapters/secrets-manager-secret-store';
import { inventoryProviderSecretArns, inventoryProviders as providerConfig } from '../../shared/config/inventory-providers';
import type { InventoryProviders, ProviderSettings } from '../../shared/domain/inventory/provider-config';
import { providerCircuits } from './dynamodb';
import { once } from './once';
import { secretStore } from './platform';

/** The stage's inventory providers (configuration inlined at build time, checked at cold start). */
export const inventoryProviders: () => InventoryProviders = /* @__PURE__ */ once(providerConfig);

/** Each provider's HMAC secret value, by provider id, through the secret store (a rotation needs no redeploy). */
export const inventoryProviderSecret = /* @__PURE__ */ once(() => inventoryProviderSecrets(secretStore(), inventoryProviderSecretArns(inventoryProviders())));

/** Each provider's HTTP API (signed with its HMAC secret) and outbound settings, by provider id. */
export const inventoryProviderApis: () => ReadonlyMap<string, { api: HttpInventoryProvider; outbound: ProviderSettings['outbound'] }> = /* @__PURE__ */ once(
  () => {
    const secretOf = inventoryProviderSecret();
    return new Map(
      Object.entries(inventoryProviders().providers).map(([id, p]) => [
        id,
        { api: new HttpInventoryProvider(id, p.apiUrl, () => secretOf(id)), outbound: p.outbound },
      ]),
    );
  },
);

/** Each provider's snapshot API behind its timeout and retry policy (the full sync), by provider id. */
export function guardedInventoryProviderApis() {
  return new Map([...inventoryProviderApis()].map(([id, { api, outbound }]) => [id, withTimeoutAndRetry(api, outbound)]));
}

/**
 * The providers behind their timeout, retry and circuit breaker policies, for one relay run: `owner` claims each
 * provider's circuit for `leaseSeconds`, so consecutive failures add up across runs and instances.
 */
export function inventoryProviderChannels(owner: string, leaseSeconds: number): CockatielProviderChannels {
  return new CockatielProviderChannels({ store: providerCircuits(), providers: inventoryProviderApis(), owner, leaseSeconds });
}
