import type { StockDecision } from '../domain/inventory/conflict-rules';
import type { NormalizedUpdate } from '../domain/inventory/normalize';

/** What applying one update did, as the inventory ledger records it. */
export type InventoryOutcome = StockDecision['kind'] | 'unknown-sku';

export interface InventoryLedgerEntry {
  readonly sku: string;
  readonly at: string;
  readonly providerId: string;
  readonly eventId: string;
  readonly externalSku: string;
  readonly version: number;
  readonly outcome: InventoryOutcome;
  /** onHand before and after, for an applied update. */
  readonly before?: number;
  readonly after?: number;
  /** Why: the clamp to reserved, the newer version seen, the provider that outranks. */
  readonly reason?: string;
  /** The provider's stock as reported (whole eaches), whatever the outcome. */
  readonly reported?: number;
  /** An applied update was clamped to what is reserved (onHand set above what the provider reported). */
  readonly clamped?: boolean;
  /** Set on what apply returns when this update was recorded before: the earlier entry, nothing new written. */
  readonly replayed?: boolean;
}

/**
 * Provider stock applied to SKUs under the conflict rules, with conditional writes: the SKU's onHand, available,
 * source and per-provider version change together with a ledger entry, or not at all. Applying the same update again
 * records nothing new.
 */
export interface InventoryLedger {
  apply(update: NormalizedUpdate, at: string): Promise<InventoryLedgerEntry>;
  /** The SKU's ledger, newest first. */
  history(sku: string, limit: number): Promise<InventoryLedgerEntry[]>;
}

/** Normalized updates waiting to be applied: FIFO per SKU, de-duplicated by provider event and line. */
export interface InventoryUpdateQueue {
  enqueue(updates: readonly NormalizedUpdate[]): Promise<void>;
}

/** A sale or a cancellation the owning provider must hear about. */
export interface StockNotification {
  readonly notificationId: string;
  readonly providerId: string;
  readonly kind: 'sale' | 'cancellation';
  readonly orderId: string;
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>;
  readonly at: string;
}

/** The outbound side of a provider's API. Failures throw. */
export interface InventoryProviderApi {
  notify(notification: StockNotification): Promise<void>;
  /** One page of the provider's stock snapshot. */
  snapshot(cursor: string | undefined): Promise<{ lines: Array<{ externalSku: string; quantity: number; unit?: string; version?: number }>; nextCursor?: string; takenAt: string }>;
}

/** Whether a provider can be trusted for live stock right now (its circuit), shared by every function. */
export interface ProviderHealth {
  isOpen(providerId: string, now: Date): Promise<boolean>;
}
