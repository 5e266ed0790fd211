import { ENV } from '../../shared/config/env-names';
import type { StageConfig } from '../config/stage-config';
import type { StockadeFunction } from './stockade-function';

/**
 * Tells a public catalog read how long shared caches may keep its answers (the stage's `catalogCache`): the handler
 * answers with that Cache-Control and an ETag (shared/http/conditional.ts). Returns `fn` for chaining.
 */
export function bindCatalogCache(fn: StockadeFunction, config: StageConfig): StockadeFunction {
  fn.addEnvironment(ENV.CATALOG_CACHE_SECONDS, String(config.catalogCache.maxAgeSeconds));
  fn.addEnvironment(ENV.CATALOG_STALE_SECONDS, String(config.catalogCache.staleWhileRevalidateSeconds));
  return fn;
}
