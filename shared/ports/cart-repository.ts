/** A customer's cart as stored: SKUs and quantities only; prices always come from the catalog. */
export interface StoredCart {
  readonly customerId: string;
  readonly lines: ReadonlyArray<{ readonly sku: string; readonly quantity: number }>;
  /** Incremented on every change; a write names the version it read (optimistic concurrency). */
  readonly version: number;
  readonly updatedAt: string;
  /** Epoch seconds after which the table's TTL removes the cart. */
  readonly expiresAt: number;
}

export interface CartRepository {
  get(customerId: string): Promise<StoredCart | undefined>;
  /** Saves if the stored version is still `expectedVersion` (0: no cart yet); false when someone changed it first. */
  save(cart: StoredCart, expectedVersion: number): Promise<boolean>;
  delete(customerId: string): Promise<void>;
}
