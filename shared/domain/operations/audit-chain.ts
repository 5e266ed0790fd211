import { createHash } from 'node:crypto';
import type { AuditChainAnchor, AuditChainHead, AuditChainStore, AuditItemKey, StoredAuditEntry } from '../../ports/audit-chain';
import type { AuditEvent } from '../../ports/audit-log';

/** The `prev` of a shard's first entry: 64 zeros, the hash no entry has. */
export const GENESIS_HASH = '0'.repeat(64);

/** The version of the canonical form below; a change to it is a new version, and old entries keep theirs. */
export const CHAIN_FORMAT_VERSION = 1;

/** A value the canonical form writes: strings, safe integers, booleans, null, arrays and objects of them. */
export type CanonicalValue = string | number | boolean | null | readonly CanonicalValue[] | { readonly [key: string]: CanonicalValue | undefined };

/**
 * The canonical JSON form (docs/data-model.md, "Audit trail"): RFC 8785 (JSON Canonicalization Scheme) for the values
 * audit entries hold. Object members sorted by their names' UTF-16 code units, no whitespace, strings escaped as
 * ECMAScript's JSON.stringify escapes them, numbers only as safe integers (RFC 8785 and JSON.stringify agree on
 * those; anything else is refused rather than written in a form another implementation might write differently),
 * undefined members left out.
 */
export function canonicalJson(value: CanonicalValue): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`The canonical form holds safe integers only, not ${value}`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (Array.isArray(value)) return `[${(value as readonly CanonicalValue[]).map(canonicalJson).join(',')}]`;
  const members = Object.entries(value as { readonly [key: string]: CanonicalValue | undefined })
    .filter((member): member is [string, CanonicalValue] => member[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${members.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** An entry's place in its shard's chain. */
export interface ChainLink {
  readonly shard: number;
  readonly seq: number;
  /** The hash of the entry before it in the shard (GENESIS_HASH for the first). */
  readonly prev: string;
}

/**
 * What an entry's hash covers: the format version, its link (shard, sequence, previous hash) and every event field.
 * Optional fields are left out when absent, so a field added later (requestId) leaves the canonical form, and thus the
 * hash, of every older entry without it unchanged: the format version stays 1.
 */
export function chainContent(event: AuditEvent, link: ChainLink): CanonicalValue {
  return {
    v: CHAIN_FORMAT_VERSION,
    shard: link.shard,
    seq: link.seq,
    prev: link.prev,
    at: event.at,
    actor: event.actor,
    action: event.action,
    target: event.target,
    outcome: event.outcome,
    sourceIp: event.sourceIp,
    requestId: event.requestId,
    detail: event.detail,
    amounts: event.amounts
      ? Object.fromEntries(Object.entries(event.amounts).map(([name, money]) => [name, { amount: money.amount, currency: money.currency }]))
      : undefined,
  };
}

/** SHA-256 (hex) of the entry's canonical content: the hash the next entry of the shard links to. */
export function entryHash(event: AuditEvent, link: ChainLink): string {
  return createHash('sha256')
    .update(canonicalJson(chainContent(event, link)), 'utf8')
    .digest('hex');
}

/** How a chain was found broken. */
export type ChainBreakKind = 'edited' | 'deleted' | 'inserted' | 'reordered';

/** The first broken link of a shard: what kind of tampering it shows and the item to look at. */
export interface ChainBreak {
  readonly kind: ChainBreakKind;
  readonly key: AuditItemKey;
  /** The sequence number the break is at (for a deletion, the first one missing). */
  readonly seq: number;
  readonly message: string;
}

/** One shard's verification: how many entries were checked, the head they end at, and the first break if any. */
export interface ShardVerification {
  readonly shard: number;
  readonly checked: number;
  /** The head the walk ended at, with the month of its entry. */
  readonly head?: { readonly seq: number; readonly hash: string; readonly month: string };
  readonly broken?: ChainBreak;
}

/** A verified chain segment starts here: the entry at `seq` must carry `hash` (an anchor's), or the first entry (genesis). */
export interface ChainStart {
  readonly seq: number;
  readonly hash: string;
}

/** Sort keys are the sequence number, zero-padded so key order is chain order. */
export const SEQ_DIGITS = 12;

export function seqKey(seq: number): string {
  return String(seq).padStart(SEQ_DIGITS, '0');
}

function positionOf(sk: string): number | undefined {
  return new RegExp(`^\\d{${SEQ_DIGITS}}$`).test(sk) ? Number(sk) : undefined;
}

const keyText = (key: AuditItemKey) => `${key.pk} / ${key.sk}`;

/**
 * Walks one shard's entries in key order and returns the first broken link. Each entry must sit at the key of its own
 * sequence number (else it was moved: reordered), follow the one before it without a gap (else deleted), hash to what
 * it stores (else edited), and link to the previous entry's hash (else that entry was rewritten with a recomputed
 * hash, or this one replaced). Items that are not entries, or lie beyond the head, were inserted. The walk ends at the
 * head: entries missing before it were deleted (a truncated tail), and a different hash there means an edit. `start`
 * verifies a segment from an anchored entry instead of the genesis; `anchor` (the newest) must lie on the chain with
 * its hash, so a tail truncated together with its head is still found. `liveHead` reads the head again: on a live
 * trail an entry just past the head read at the start may be an append made since, which the head, read again, covers.
 */
export async function verifyChain(
  shard: number,
  head: AuditChainHead | undefined,
  entries: AsyncIterable<StoredAuditEntry>,
  options: { start?: ChainStart; anchor?: AuditChainAnchor; headKey: AuditItemKey; liveHead?: () => Promise<AuditChainHead | undefined> },
): Promise<ShardVerification> {
  const { start, anchor, headKey } = options;
  let expected = start?.seq ?? 1;
  let prevHash: string | undefined = start ? undefined : GENESIS_HASH;
  let prevKey: AuditItemKey | undefined;
  let checked = 0;
  let anchorSeen = false;
  const result = (broken?: ChainBreak): ShardVerification => ({
    shard,
    checked,
    ...(head ? { head: { seq: head.seq, hash: head.hash, month: head.month } } : {}),
    ...(broken ? { broken } : {}),
  });

  if (!head) {
    if (anchor) return result({ kind: 'deleted', key: headKey, seq: 1, message: `shard ${shard} has no head, yet it was anchored at seq ${anchor.seq}` });
  } else if (anchor && anchor.seq > head.seq) {
    return result({
      kind: 'deleted',
      key: headKey,
      seq: head.seq + 1,
      message: `the head is at seq ${head.seq} but seq ${anchor.seq} was anchored at ${anchor.anchoredAt}: the tail was truncated`,
    });
  }

  for await (const entry of entries) {
    const position = positionOf(entry.key.sk);
    const { event, seq, prev, hash } = entry;
    if (position === undefined || event === undefined || seq === undefined || prev === undefined || hash === undefined || entry.shard !== shard)
      return result({
        kind: 'inserted',
        key: entry.key,
        seq: position ?? expected,
        message: `${keyText(entry.key)} is not an entry of shard ${shard}'s chain`,
      });
    if (seq !== position)
      return result({ kind: 'reordered', key: entry.key, seq: position, message: `${keyText(entry.key)} holds the entry of seq ${seq}, not ${position}` });
    if (!head || position > head.seq) {
      // The next entry appended since the head was read (its head moved with it, in one transaction): the walk has
      // reached the head it set out to verify, and the newer entries are the next run's.
      if (head && position === head.seq + 1 && expected === position && options.liveHead && ((await options.liveHead())?.seq ?? 0) >= position) break;
      return result({
        kind: 'inserted',
        key: entry.key,
        seq: position,
        message: `${keyText(entry.key)} lies beyond the shard's head (seq ${head?.seq ?? 0})`,
      });
    }
    if (position < expected)
      return result({ kind: 'inserted', key: entry.key, seq: position, message: `${keyText(entry.key)} repeats seq ${position}, already on the chain` });
    if (position > expected)
      return result({
        kind: 'deleted',
        key: entry.key,
        seq: expected,
        message: `seq ${expected}${position - 1 > expected ? `..${position - 1}` : ''} missing before ${keyText(entry.key)}`,
      });
    const recomputed = entryHash(event, { shard, seq, prev });
    if (!same(recomputed, hash))
      return result({ kind: 'edited', key: entry.key, seq, message: `${keyText(entry.key)} does not hash to the hash it stores: its content was changed` });
    if (prevHash === undefined) {
      // The first entry of an anchored segment: the anchor says which hash it had.
      if (start && hash !== start.hash)
        return result({ kind: 'edited', key: entry.key, seq, message: `${keyText(entry.key)} was anchored with another hash: it was rewritten` });
    } else if (prev !== prevHash) {
      return result({
        kind: 'edited',
        key: entry.key,
        seq,
        message: `${keyText(entry.key)} links to another hash than seq ${seq - 1}'s${prevKey ? ` (${keyText(prevKey)})` : ''}: one of them was rewritten with a recomputed hash`,
      });
    }
    if (anchor && seq === anchor.seq) {
      anchorSeen = true;
      const anchored = anchor.hash;
      if (!same(anchored, hash))
        return result({ kind: 'edited', key: entry.key, seq, message: `${keyText(entry.key)} was anchored at ${anchor.anchoredAt} with another hash` });
    }
    checked += 1;
    prevHash = hash;
    prevKey = entry.key;
    expected = seq + 1;
  }

  if (!head) return result();
  if (expected <= head.seq)
    return result({
      kind: 'deleted',
      key: headKey,
      seq: expected,
      message: `seq ${expected}${head.seq > expected ? `..${head.seq}` : ''} missing: the chain ends before its head (seq ${head.seq})`,
    });
  if (prevHash !== undefined && prevHash !== head.hash)
    return result({
      kind: 'edited',
      key: prevKey ?? headKey,
      seq: head.seq,
      message: `the last entry's hash differs from the head's: one of them was rewritten`,
    });
  if (anchor && !anchorSeen && anchor.seq >= (start?.seq ?? 1))
    return result({ kind: 'deleted', key: headKey, seq: anchor.seq, message: `the entry anchored at seq ${anchor.seq} is not on the chain` });
  return result();
}

/** The key of a shard's head item, for reports. */
export function headKeyOf(shard: number): AuditItemKey {
  return { pk: `AUDITHEAD#${shard}`, sk: 'HEAD' };
}

/**
 * Verifies every shard of the trail. `full`: each chain from its genesis (npm run audit:verify); otherwise from each
 * shard's newest anchor to its head (the scheduled run, whose work does not grow with the table).
 */
export async function verifyAuditTrail(store: AuditChainStore, options: { full: boolean }): Promise<ShardVerification[]> {
  const reports: ShardVerification[] = [];
  for (let shard = 0; shard < store.shards; shard++) {
    const [head, anchor] = await Promise.all([store.head(shard), store.latestAnchor(shard)]);
    const headKey = headKeyOf(shard);
    if (!head) {
      reports.push(await verifyChain(shard, head, emptyEntries(), { anchor, headKey }));
      continue;
    }
    const incremental = !options.full && anchor !== undefined && anchor.seq <= head.seq;
    const entries = incremental ? store.entriesFrom(shard, anchor.seq, anchor.month, head.month) : store.entries(shard, head.since, head.month);
    const start = incremental ? { start: { seq: anchor.seq, hash: anchor.hash } } : {};
    reports.push(await verifyChain(shard, head, entries, { headKey, anchor, liveHead: () => store.head(shard), ...start }));
  }
  return reports;
}

/**
 * Anchors each verified shard's head (skipping broken shards and heads already anchored): the anchors are what a
 * later verification checks the chain against, so a tail cut off with its head rewound is still noticed.
 */
export async function anchorHeads(store: AuditChainStore, reports: readonly ShardVerification[], anchoredAt: string): Promise<number> {
  let written = 0;
  for (const report of reports) {
    if (report.broken || !report.head) continue;
    // Anchor what was verified (the head as the walk saw it): on a busy shard the live head has moved on already, and
    // its new entries are checked and anchored by the next run.
    const verified = report.head;
    const anchor = await store.latestAnchor(report.shard);
    if (anchor && anchor.seq === verified.seq && same(anchor.hash, verified.hash)) continue;
    await store.writeAnchor({ shard: report.shard, seq: verified.seq, hash: verified.hash, month: verified.month, anchoredAt });
    written += 1;
  }
  return written;
}

/** One line per broken shard, or the all-clear, for logs and the CLI. */
export function describeVerification(reports: readonly ShardVerification[]): string[] {
  const broken = reports.filter((r) => r.broken);
  const checked = reports.reduce((n, r) => n + r.checked, 0);
  if (broken.length === 0) return [`audit trail verified: ${checked} entries in ${reports.length} shards, every link intact`];
  return broken.map(
    (r) => `shard ${r.shard}: ${r.broken?.kind} at seq ${r.broken?.seq}: ${r.broken?.message} (item ${keyText(r.broken?.key ?? headKeyOf(r.shard))})`,
  );
}

/** Hashes are public digests, not secrets: a plain comparison leaks nothing. */
function same(a: string, b: string): boolean {
  return a === b;
}

async function* emptyEntries(): AsyncIterable<StoredAuditEntry> {}
