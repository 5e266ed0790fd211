import { anchorHeads, canonicalJson, entryHash, GENESIS_HASH, headKeyOf, seqKey, verifyChain } from '../../../shared/domain/operations/audit-chain';
import type { AuditChainAnchor, AuditChainHead, AuditChainStore, StoredAuditEntry } from '../../../shared/ports/audit-chain';
import type { AuditEvent } from '../../../shared/ports/audit-log';

const SHARD = 2;
const MONTH = '2026-12';

function event(i: number): AuditEvent {
  return {
    at: `2026-12-05T10:00:${String(i).padStart(2, '0')}.000Z`,
    actor: `admin-${i}`,
    action: 'order.refund',
    target: `order/${i}`,
    outcome: 'succeeded',
    detail: `refund ${i}`,
  };
}

/** A clean chain of `n` entries as the writer stores them, and its head. */
function chain(n: number): { entries: StoredAuditEntry[]; head: AuditChainHead } {
  const entries: StoredAuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const e = event(seq);
    const hash = entryHash(e, { shard: SHARD, seq, prev });
    entries.push({ key: { pk: `AUDIT#${MONTH}#${SHARD}`, sk: seqKey(seq) }, event: e, shard: SHARD, seq, prev, hash });
    prev = hash;
  }
  return { entries, head: { shard: SHARD, seq: n, hash: prev, since: MONTH, month: MONTH } };
}

async function* iterate(entries: readonly StoredAuditEntry[]): AsyncIterable<StoredAuditEntry> {
  yield* entries;
}

const verify = (entries: readonly StoredAuditEntry[], head: AuditChainHead | undefined, anchor?: Parameters<typeof verifyChain>[3]['anchor']) =>
  verifyChain(SHARD, head, iterate(entries), { headKey: headKeyOf(SHARD), ...(anchor ? { anchor } : {}) });

describe('canonical JSON (RFC 8785 for strings, safe integers and objects)', () => {
  it('sorts members by UTF-16 code units, leaves out undefined, writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: 'x', é: true, A: null, z: undefined, n: { y: [1, 'two'], x: -0 } })).toBe(
      '{"A":null,"a":"x","b":1,"n":{"x":0,"y":[1,"two"]},"é":true}',
    );
  });

  it('escapes strings as JSON.stringify does and refuses numbers it cannot write exactly', () => {
    expect(canonicalJson({ s: 'line\n"quoted"\u2028' })).toBe('{"s":"line\\n\\"quoted\\"\u2028"}');
    expect(() => canonicalJson({ amount: 1.5 })).toThrow(/safe integers/);
    expect(() => canonicalJson({ amount: 2 ** 60 })).toThrow(/safe integers/);
  });

  it('gives the same hash whatever order the event fields were written in, and another for any change', () => {
    const e = event(1);
    const reordered: AuditEvent = { detail: e.detail, outcome: e.outcome, target: e.target, action: e.action, actor: e.actor, at: e.at };
    const link = { shard: 0, seq: 1, prev: GENESIS_HASH };
    expect(entryHash(reordered, link)).toBe(entryHash(e, link));
    expect(entryHash({ ...e, detail: 'refund 2' }, link)).not.toBe(entryHash(e, link));
    expect(entryHash(e, { ...link, seq: 2 })).not.toBe(entryHash(e, link));
    expect(entryHash(e, link)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('verifyChain', () => {
  it('verifies a clean trail', async () => {
    const { entries, head } = chain(5);
    await expect(verify(entries, head)).resolves.toEqual({ shard: SHARD, checked: 5, head: { seq: 5, hash: head.hash, month: MONTH } });
  });

  it('finds an edited entry (content changed, hash not recomputed)', async () => {
    const { entries, head } = chain(5);
    const edited = entries.map((e) => (e.seq === 3 ? { ...e, event: { ...(e.event as AuditEvent), detail: 'refund 0' } } : e));
    const report = await verify(edited, head);
    expect(report.broken).toMatchObject({ kind: 'edited', seq: 3, key: { sk: seqKey(3) } });
    expect(report.checked).toBe(2);
  });

  it('finds an edited entry whose hash was recomputed, by the next link', async () => {
    const { entries, head } = chain(5);
    const e3 = entries[2] as StoredAuditEntry;
    const forged = { ...(e3.event as AuditEvent), outcome: 'denied' as const };
    const rehashed = { ...e3, event: forged, hash: entryHash(forged, { shard: SHARD, seq: 3, prev: e3.prev ?? '' }) };
    const report = await verify(
      entries.map((e) => (e.seq === 3 ? rehashed : e)),
      head,
    );
    expect(report.broken).toMatchObject({ kind: 'edited', seq: 4 });
    expect(report.broken?.message).toContain(seqKey(3));
  });

  it('finds a deleted entry, and a deleted tail', async () => {
    const { entries, head } = chain(5);
    expect(
      (
        await verify(
          entries.filter((e) => e.seq !== 2),
          head,
        )
      ).broken,
    ).toMatchObject({ kind: 'deleted', seq: 2, key: { sk: seqKey(3) } });
    expect((await verify(entries.slice(0, 3), head)).broken).toMatchObject({ kind: 'deleted', seq: 4, key: headKeyOf(SHARD) });
  });

  it('finds an inserted item: not an entry, beyond the head, or between two entries', async () => {
    const { entries, head } = chain(5);
    const stray: StoredAuditEntry = { key: { pk: `AUDIT#${MONTH}#${SHARD}`, sk: `${seqKey(2)}#x` }, event: event(9) };
    expect((await verify([...entries.slice(0, 2), stray, ...entries.slice(2)], head)).broken).toMatchObject({ kind: 'inserted', key: stray.key });
    const extra = chain(6).entries[5] as StoredAuditEntry;
    expect((await verify([...entries, extra], head)).broken).toMatchObject({ kind: 'inserted', seq: 6 });
  });

  it('ends the walk at the head it read when the next entry was appended since (the head, read again, covers it)', async () => {
    const { entries, head } = chain(5);
    const later = chain(7);
    const walk = (stored: readonly StoredAuditEntry[], live: AuditChainHead | undefined) =>
      verifyChain(SHARD, head, iterate(stored), { headKey: headKeyOf(SHARD), liveHead: () => Promise.resolve(live) });
    // Two appends landed between reading the head (seq 5) and reading the entries: verified up to seq 5, as read.
    expect(await walk(later.entries, later.head)).toEqual({ shard: SHARD, checked: 5, head: { seq: 5, hash: head.hash, month: MONTH } });
    // An entry past the head that the live head does not cover was inserted, however often the head is read.
    expect((await walk([...entries, later.entries[5] as StoredAuditEntry], head)).broken).toMatchObject({ kind: 'inserted', seq: 6 });
    expect((await walk([...entries, later.entries[5] as StoredAuditEntry], undefined)).broken).toMatchObject({ kind: 'inserted', seq: 6 });
    // Only the entry right after the head can be a later append: one further on, past a gap, was inserted.
    expect((await walk([...entries, later.entries[6] as StoredAuditEntry], later.head)).broken).toMatchObject({ kind: 'inserted', seq: 7 });
    // An append does not hide what was broken before it: with seq 5 gone the walk never reached its head.
    expect((await walk([...entries.slice(0, 4), ...later.entries.slice(5)], later.head)).broken).toMatchObject({ kind: 'inserted', seq: 6 });
  });

  it('finds reordered entries (an entry stored at another position)', async () => {
    const { entries, head } = chain(5);
    const [e2, e3] = [entries[1] as StoredAuditEntry, entries[2] as StoredAuditEntry];
    const swapped = entries.map((e) => (e.seq === 2 ? { ...e3, key: e2.key } : e.seq === 3 ? { ...e2, key: e3.key } : e));
    expect((await verify(swapped, head)).broken).toMatchObject({ kind: 'reordered', seq: 2 });
  });

  it('finds a truncated tail whose head was rewound, by the anchor', async () => {
    const { entries, head } = chain(5);
    const anchor = { shard: SHARD, seq: 5, hash: head.hash, month: MONTH, anchoredAt: '2026-12-05T11:00:00.000Z' };
    const rewound = { ...head, seq: 3, hash: entries[2]?.hash ?? '' };
    expect((await verify(entries.slice(0, 3), rewound, anchor)).broken).toMatchObject({ kind: 'deleted', seq: 4 });
    expect((await verify(entries, head, anchor)).broken).toBeUndefined();
  });

  it('verifies a segment from an anchored entry, and finds the anchored entry rewritten', async () => {
    const { entries, head } = chain(5);
    const start = { seq: 3, hash: entries[2]?.hash ?? '' };
    const segment = entries.slice(2);
    await expect(verifyChain(SHARD, head, iterate(segment), { headKey: headKeyOf(SHARD), start })).resolves.toMatchObject({ checked: 3 });
    const wrong = { seq: 3, hash: 'f'.repeat(64) };
    await expect(verifyChain(SHARD, head, iterate(segment), { headKey: headKeyOf(SHARD), start: wrong })).resolves.toMatchObject({
      broken: { kind: 'edited', seq: 3 },
    });
  });
});

describe('anchorHeads', () => {
  it('anchors each verified head once, and no broken shard', async () => {
    const anchors: AuditChainAnchor[] = [];
    const store = {
      shards: 3,
      latestAnchor: (shard: number) => Promise.resolve(anchors.filter((a) => a.shard === shard).at(-1)),
      writeAnchor: (anchor: AuditChainAnchor) => Promise.resolve(void anchors.push(anchor)),
    } as unknown as AuditChainStore;
    const head = { seq: 5, hash: 'a'.repeat(64), month: MONTH };
    const reports = [
      { shard: 0, checked: 5, head },
      { shard: 1, checked: 2, head, broken: { kind: 'edited' as const, key: headKeyOf(1), seq: 3, message: 'x' } },
      { shard: 2, checked: 0 },
    ];
    expect(await anchorHeads(store, reports, '2026-12-05T12:00:00.000Z')).toBe(1);
    expect(anchors).toEqual([{ shard: 0, seq: 5, hash: head.hash, month: MONTH, anchoredAt: '2026-12-05T12:00:00.000Z' }]);
    expect(await anchorHeads(store, reports, '2026-12-05T13:00:00.000Z')).toBe(0);
  });
});
