/** One line of a provider's webhook or snapshot, as the provider wrote it. */
export interface ProviderStockLine {
  readonly externalSku: string;
  /** Stock on hand, absolute (not a delta), in `unit`. */
  readonly quantity: number;
  readonly unit?: string;
  /** The provider's version of this SKU's stock; newer versions win. */
  readonly version?: number;
}

/** A provider's stock for one of Stockade's SKUs, in eaches. */
export interface NormalizedUpdate {
  readonly providerId: string;
  readonly priority: number;
  readonly eventId: string;
  readonly externalSku: string;
  readonly sku: string;
  /** Whole eaches, >= 0. */
  readonly onHand: number;
  /** The line's version, or else the event's occurredAt in epoch milliseconds. */
  readonly version: number;
  readonly occurredAt: string;
}

export type StockDecision =
  /** `unsent`: units sold that the provider was not yet told of, taken off what it reported. */
  | { readonly kind: 'apply'; readonly onHand: number; readonly clamped: boolean; readonly unsent?: number }
  /** The provider sent this version already. */
  | { readonly kind: 'duplicate' }
  /** The provider sent a newer version already. */
  | { readonly kind: 'stale'; readonly newest: number }
  /** A provider of higher priority feeds this SKU. */
  | { readonly kind: 'outranked'; readonly by: string };

/**
 * A vendor's own change to the stock on hand of one of its SKUs (POST /vendor/products/{productId}/stock): an
 * absolute level, or a difference from what is on hand when it is applied.
 */
export interface VendorStockAdjustment {
  readonly adjustmentId: string;
  readonly vendorId: string;
  readonly sku: string;
  readonly change: { readonly onHand: number } | { readonly delta: number };
  readonly reason: string;
}
