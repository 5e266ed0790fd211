import type { NormalizedUpdate } from './normalize';

/** What the SKU holds that the rules need. */
export interface SkuStockState {
  readonly onHand: number;
  readonly reserved: number;
  /** The provider whose stock the SKU follows, and its priority. */
  readonly source?: { readonly providerId: string; readonly priority: number };
  /** The newest version seen from each provider. */
  readonly versions: Readonly<Record<string, number>>;
}

import type { StockDecision } from '../model/inventory';

export type { StockDecision } from '../model/inventory';

/**
 * The conflict rules for one normalized update against a SKU's state: per provider, only a version newer than every
 * one seen applies (an older one is stale, the same one a duplicate); a provider of lower priority than the SKU's
 * source is outranked; onHand is never set below what is reserved (it is clamped to it, and the clamp reported).
 * Since each provider reports absolute stock, any order of the same updates ends at the newest version of the
 * highest-priority provider.
 */
export function decideStock(state: SkuStockState, update: NormalizedUpdate): StockDecision {
  const seen = state.versions[update.providerId];
  if (seen !== undefined && update.version === seen) return { kind: 'duplicate' };
  if (seen !== undefined && update.version < seen) return { kind: 'stale', newest: seen };
  if (state.source && state.source.providerId !== update.providerId && state.source.priority > update.priority)
    return { kind: 'outranked', by: state.source.providerId };
  const onHand = Math.max(update.onHand, state.reserved);
  return { kind: 'apply', onHand, clamped: onHand !== update.onHand };
}
