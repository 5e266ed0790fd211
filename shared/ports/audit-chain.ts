import type { AuditEvent } from './audit-log';

/** Where an audit item is stored (its table key), so a report can name the item an operator should look at. */
export interface AuditItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** One stored audit entry as read back: the event and its link in its shard's chain, exactly as the item holds them. */
export interface StoredAuditEntry {
  readonly key: AuditItemKey;
  /** The event fields as stored; undefined when the item does not carry one (an item someone put there by hand). */
  readonly event?: AuditEvent;
  readonly shard?: number;
  readonly seq?: number;
  readonly prev?: string;
  readonly hash?: string;
}

/** A shard's chain head: the last entry appended to it (sequence number, hash) and the months its entries span. */
export interface AuditChainHead {
  readonly shard: number;
  readonly seq: number;
  readonly hash: string;
  /** The month (yyyy-mm) of the shard's first entry. */
  readonly since: string;
  /** The month (yyyy-mm) of the shard's last entry; months never decrease along a chain. */
  readonly month: string;
}

/** A head as it was seen at some time, kept apart from the chain so a truncated tail is noticed. */
export interface AuditChainAnchor {
  readonly shard: number;
  readonly seq: number;
  readonly hash: string;
  readonly month: string;
  readonly anchoredAt: string;
}

/** Reads (and anchors) the audit chains; the verifier's view of the audit table. */
export interface AuditChainStore {
  /** How many shards the trail is spread over. */
  readonly shards: number;
  head(shard: number): Promise<AuditChainHead | undefined>;
  /** Every item of the shard's month partitions from `since` to `until` (inclusive), in key order (sequence order). */
  entries(shard: number, since: string, until: string): AsyncIterable<StoredAuditEntry>;
  /** From `seq` on (inclusive), in `since`..`until`: an incremental verification's walk from its last anchor. */
  entriesFrom(shard: number, seq: number, since: string, until: string): AsyncIterable<StoredAuditEntry>;
  /** The shard's newest anchor. */
  latestAnchor(shard: number): Promise<AuditChainAnchor | undefined>;
  /** The entry stored at `seq` in `month`, if any. */
  entryAt(shard: number, month: string, seq: number): Promise<StoredAuditEntry | undefined>;
  writeAnchor(anchor: AuditChainAnchor): Promise<void>;
}
