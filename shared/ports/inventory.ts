import type { NormalizedUpdate, StockDecision, VendorStockAdjustment } from '../domain/model/inventory';

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
  /**
   * A vendor's adjustment, decided under the same rules on the SKU as it is when written (decideAdjustment): an
   * applied one changes onHand, available and the vendor's version together with its ledger entry, or not at all.
   */
  adjust(adjustment: VendorStockAdjustment, at: string): Promise<VendorAdjustmentResult>;
  /** The SKU's ledger, newest first. */
  history(sku: string, limit: number): Promise<InventoryLedgerEntry[]>;
}

/** What became of a vendor's adjustment: applied (and recorded), or refused with why; nothing is written unless applied. */
export type VendorAdjustmentResult =
  | { readonly kind: 'applied'; readonly entry: InventoryLedgerEntry }
  | { readonly kind: 'below-reserved'; readonly requested: number; readonly reserved: number }
  | { readonly kind: 'outranked'; readonly by: string }
  | { readonly kind: 'unknown-sku' };

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
  snapshot(
    cursor: string | undefined,
  ): Promise<{ lines: Array<{ externalSku: string; quantity: number; unit?: string; version?: number }>; nextCursor?: string; takenAt: string }>;
}

/** Whether a provider can be trusted for live stock right now (its circuit), shared by every function. */
export interface ProviderHealth {
  isOpen(providerId: string, now: Date): Promise<boolean>;
}

/**
 * Sale and cancellation notices waiting for their provider (the outbox). The stock ledger writes them in the same
 * transaction as the stock change, so a notice exists exactly when the sale or cancellation does.
 */
export interface StockNotificationOutbox {
  /** The provider's pending notices, oldest first. */
  pending(providerId: string, limit: number): Promise<StockNotification[]>;
  /** Marks a pending notice sent, once; false when it was not pending (another run got there first). */
  markSent(notification: StockNotification, at: string): Promise<boolean>;
}

/** A provider's circuit as one relay run finds it. */
export type CircuitPosition = 'closed' | 'open' | 'half-open';

/** A provider claimed by one relay run: its API behind the run's timeout, retries and circuit breaker. */
export interface ProviderChannel {
  /** Calls fail with ProviderUnavailableError while the circuit is open. */
  readonly api: InventoryProviderApi;
  /** Where the circuit stands now. */
  circuit(): CircuitPosition;
  /** Keeps the breaker's state for the next run and gives up the claim. */
  close(): Promise<void>;
}

/** One relay run's access to providers: at most one run talks to a provider at a time. */
export interface ProviderChannels {
  /** Claims the provider for this run; undefined when another run holds it. */
  open(providerId: string): Promise<ProviderChannel | undefined>;
}

/**
 * Where each provider's circuit breaker lives between relay runs (any instance may run the next one), and how the
 * relay claims a provider. Other functions read only the open circuit (ProviderHealth).
 */
export interface ProviderCircuitStore extends ProviderHealth {
  /**
   * Claims the provider for one run until `leaseUntil`, unless another run holds an unexpired claim (undefined).
   * Resolves the breaker state the last run kept, if any.
   */
  claim(providerId: string, owner: string, leaseUntil: Date, now: Date): Promise<{ readonly breaker?: unknown } | undefined>;
  /** Keeps the breaker state and gives up the claim, if `owner` still holds it. */
  release(providerId: string, owner: string, breaker: unknown): Promise<void>;
  /** The circuit opened: other functions treat the provider as unavailable until `openUntil`. */
  opened(providerId: string, openUntil: Date, at: Date): Promise<void>;
  /** The circuit closed again. */
  closed(providerId: string): Promise<void>;
}
