import { requiredEnv } from '../../shared/config/env';
import { ENV } from '../../shared/config/env-names';
import type { PublicCachePolicy } from '../../shared/http/conditional';

function seconds(name: typeof ENV.CATALOG_CACHE_SECONDS | typeof ENV.CATALOG_STALE_SECONDS): number {
  const raw = requiredEnv(name);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`Invalid configuration: ${name} must be a whole number of seconds, got "${raw}"`);
  return value;
}

/** How long shared caches may keep public catalog reads: the stage's `catalog.cache` (lib/config/stages.ts), read once per cold start. */
export function catalogCachePolicy(): PublicCachePolicy {
  return { maxAgeSeconds: seconds(ENV.CATALOG_CACHE_SECONDS), staleWhileRevalidateSeconds: seconds(ENV.CATALOG_STALE_SECONDS) };
}
