/**
 * The items DynamoDB is working on right now, and which new requests would conflict with them. DynamoDB Local runs
 * one request at a time and never reports a conflict; DynamoDB does (Developer Guide, "Transaction conflict
 * handling in DynamoDB"):
 *  - a PutItem, UpdateItem or DeleteItem on an item that an ongoing TransactWriteItems includes fails with
 *    TransactionConflictException;
 *  - a TransactWriteItems item that an ongoing TransactWriteItems or single write includes cancels the transaction
 *    (TransactionCanceledException, that item's reason TransactionConflict);
 *  - a TransactGetItems item that an ongoing TransactWriteItems or single write includes cancels the read the same way.
 * Reads outside a transaction (GetItem, Query, Scan, BatchGetItem) read committed data and never conflict; batch
 * writes are not played (DynamoDB's documentation names no conflict for them).
 */

/** How a request touches an item. */
export type ItemAccess = 'transact-write' | 'write' | 'transact-get';

/** One item a request touches: `id` names it within the store (its table and its full primary key). */
export interface LockRequest {
  readonly id: string;
  readonly access: ItemAccess;
}

/** What `acquire` answers: either a lease to give back when DynamoDB has answered, or the items in conflict. */
export type Acquired = { readonly ok: true; readonly release: () => void } | { readonly ok: false; readonly conflicting: ReadonlySet<number> };

/** The accesses that an ongoing one of each kind makes a new request fail. */
const CONFLICTS_WITH: Record<ItemAccess, ReadonlySet<ItemAccess>> = {
  write: new Set(['transact-write']),
  'transact-write': new Set(['transact-write', 'write']),
  'transact-get': new Set(['transact-write', 'write']),
};

export class ItemLocks {
  /** For each item in work, how many ongoing requests hold it, by access. */
  private readonly held = new Map<string, Map<ItemAccess, number>>();

  /**
   * Takes every item of a request at once, or none: the indexes (into `items`) of those an ongoing request holds in
   * a conflicting way, if any.
   */
  acquire(items: readonly LockRequest[]): Acquired {
    const conflicting = new Set<number>();
    items.forEach((item, index) => {
      const holders = this.held.get(item.id);
      if (!holders) return;
      for (const [access, count] of holders) if (count > 0 && CONFLICTS_WITH[item.access].has(access)) conflicting.add(index);
    });
    if (conflicting.size > 0) return { ok: false, conflicting };
    for (const item of items) {
      const holders = this.held.get(item.id) ?? new Map<ItemAccess, number>();
      holders.set(item.access, (holders.get(item.access) ?? 0) + 1);
      this.held.set(item.id, holders);
    }
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        for (const item of items) this.drop(item);
      },
    };
  }

  /** Items some request holds now (0 when every lease was given back). */
  get size(): number {
    return this.held.size;
  }

  private drop(item: LockRequest): void {
    const holders = this.held.get(item.id);
    const count = holders?.get(item.access) ?? 0;
    if (!holders || count === 0) return;
    if (count > 1) holders.set(item.access, count - 1);
    else holders.delete(item.access);
    if (holders.size === 0) this.held.delete(item.id);
  }
}
