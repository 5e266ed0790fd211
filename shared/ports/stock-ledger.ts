/** A quantity of a SKU held for an order. */
export interface HeldLine {
  readonly sku: string;
  readonly quantity: number;
}

/** Units of a line held on one stock shard of its SKU (docs/data-model.md, "Stock shards"). */
export interface ShardHeld {
  readonly sku: string;
  readonly shard: number;
  readonly quantity: number;
}

export interface StockHold {
  readonly orderId: string;
  readonly lines: readonly HeldLine[];
  /** Where a sharded SKU's units were taken from, so they go back there; a line not listed is held on its SKU item. */
  readonly shards?: readonly ShardHeld[];
  readonly expiresAt: string;
  readonly status: 'ACTIVE' | 'RELEASED' | 'COMMITTED' | 'RETURNED';
}

export type ReserveResult =
  | { readonly outcome: 'reserved' }
  /** The hold exists already (a retried step): nothing changed. */
  | { readonly outcome: 'already-reserved' }
  /** These SKUs lack stock (or no longer exist): nothing changed. */
  | { readonly outcome: 'insufficient'; readonly skus: readonly string[] }
  /** The order is no longer PENDING and holds nothing: nothing changed. */
  | { readonly outcome: 'order-not-pending' };

/**
 * Stock holds. Each operation is one transaction over every line, so an order is never partially reserved,
 * released or committed, and each is safe to repeat. Reserve and commit move the order's status in the same
 * transaction (PENDING -> RESERVED, AWAITING_PAYMENT -> CONFIRMED): stock and order never disagree.
 */
export interface StockLedger {
  /** Every line's available >= quantity, or nothing: reserved += quantity, available -= quantity, hold written. */
  reserve(orderId: string, lines: readonly HeldLine[], expiresAt: string, at: string): Promise<ReserveResult>;
  /** Gives an ACTIVE hold's stock back; 'not-held' when there is no active hold (already released or committed). */
  release(orderId: string, at: string): Promise<'released' | 'not-held'>;
  /** Turns the ACTIVE hold into a sale: onHand -= quantity, reserved -= quantity; the order becomes CONFIRMED. */
  commit(orderId: string, at: string): Promise<'committed' | 'already-committed' | 'not-held'>;
  /** Puts a COMMITTED hold's units back on hand (a cancelled sale): onHand += quantity; once. */
  restock(orderId: string, at: string): Promise<'restocked' | 'not-committed'>;
  get(orderId: string): Promise<StockHold | undefined>;
  /** ACTIVE holds that expired before `before`, oldest first. */
  expiredHolds(before: Date, limit: number): Promise<StockHold[]>;
}
