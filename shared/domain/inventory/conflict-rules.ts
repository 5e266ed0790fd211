import type { NormalizedUpdate } from './normalize';

/** What the SKU holds that the rules need. */
export interface SkuStockState {
  readonly onHand: number;
  readonly reserved: number;
  /** The provider whose stock the SKU follows, and its priority. */
  readonly source?: { readonly providerId: string; readonly priority: number };
  /** The newest version seen from each provider. */
  readonly versions: Readonly<Record<string, number>>;
  /**
   * Units of the SKU Stockade sold whose sale notice to the updating provider is still waiting to be sent: the
   * provider's count cannot include those sales yet.
   */
  readonly unsent?: number;
}

import type { StockDecision, VendorStockAdjustment } from '../model/inventory';

export type { StockDecision } from '../model/inventory';

/**
 * The conflict rules for one normalized update against a SKU's state: per provider, only a version newer than every
 * one seen applies (an older one is stale, the same one a duplicate); a provider of lower priority than the SKU's
 * source is outranked; onHand is never set below what is reserved (it is clamped to it, and the clamp reported).
 * Since each provider reports absolute stock, any order of the same updates ends at the newest version of the
 * highest-priority provider. Units sold whose notice the provider has not been sent (`unsent`) are taken off what
 * it reports, so a report made before it heard of a sale does not put the sold units back on sale. Cancellations
 * still to be sent are not added: if the provider had counted one already, the units would be counted twice.
 */
export function decideStock(state: SkuStockState, update: NormalizedUpdate): StockDecision {
  const seen = state.versions[update.providerId];
  if (seen !== undefined && update.version === seen) return { kind: 'duplicate' };
  if (seen !== undefined && update.version < seen) return { kind: 'stale', newest: seen };
  if (state.source && state.source.providerId !== update.providerId && state.source.priority > update.priority)
    return { kind: 'outranked', by: state.source.providerId };
  const unsent = state.unsent ?? 0;
  const afterSales = Math.max(0, update.onHand - unsent);
  const onHand = Math.max(afterSales, state.reserved);
  return { kind: 'apply', onHand, clamped: onHand !== afterSales, ...(unsent > 0 ? { unsent } : {}) };
}

/**
 * The source a vendor's own adjustments are recorded under, in the ledger and as the SKU's version attribute. Not a
 * provider id: provider ids are the data file's keys, and no key starts with '@'.
 */
export const VENDOR_SOURCE = '@vendor';
/** Below every provider (their priorities are 0..1000): a SKU an inventory provider feeds follows that provider. */
export const VENDOR_PRIORITY = -1;

/** What a vendor's adjustment does to a SKU's stock, under the providers' conflict rules. */
export type AdjustmentDecision =
  | { readonly kind: 'apply'; readonly update: NormalizedUpdate; readonly onHand: number }
  /** The SKU would hold less than what is reserved for orders (or less than nothing). */
  | { readonly kind: 'below-reserved'; readonly requested: number; readonly reserved: number }
  /** An inventory provider feeds the SKU: its reports decide the stock, not the vendor. */
  | { readonly kind: 'outranked'; readonly by: string };

/**
 * A vendor's adjustment decided by the same rules as a provider's update (decideStock): it is an absolute onHand
 * (a delta is taken from the onHand read) from the source VENDOR_SOURCE, at a priority below every provider, with
 * the version after the last adjustment applied to the SKU, so adjustments apply in the order they are decided. One
 * difference: where a provider's report below what is reserved is clamped to it (the provider reports a fact), a
 * vendor's request is refused (the vendor asked for something that cannot be).
 */
export function decideAdjustment(state: SkuStockState, adjustment: VendorStockAdjustment, at: string): AdjustmentDecision {
  const requested = 'onHand' in adjustment.change ? adjustment.change.onHand : state.onHand + adjustment.change.delta;
  const update: NormalizedUpdate = {
    providerId: VENDOR_SOURCE,
    priority: VENDOR_PRIORITY,
    eventId: adjustment.adjustmentId,
    externalSku: adjustment.sku,
    sku: adjustment.sku,
    onHand: Math.max(0, requested),
    version: (state.versions[VENDOR_SOURCE] ?? 0) + 1,
    occurredAt: at,
  };
  const decision = decideStock(state, update);
  if (decision.kind === 'outranked') return decision;
  // The version follows the newest one seen, so an adjustment is never a duplicate or stale.
  if (decision.kind !== 'apply') throw new Error(`A vendor adjustment was decided ${decision.kind}`);
  if (decision.clamped || requested < 0) return { kind: 'below-reserved', requested, reserved: state.reserved };
  return { kind: 'apply', update, onHand: decision.onHand };
}
