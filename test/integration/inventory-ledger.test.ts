import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import type { NormalizedUpdate } from '../../shared/domain/inventory/normalize';
import { TransientError } from '../../shared/domain/orders/saga-errors';
import { dynamoDbClient, tableNamed, testEndpoints } from '../support/endpoints';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { mulberry32 as prng } from '../support/random';
import { retried } from '../support/retried';
import { ORDER_STATUS_SHARDS } from '../support/runtime-stores';

/**
 * The inventory ledger against DynamoDB Local, through the real adapter: every outcome of the conflict rules recorded
 * with who (provider, event), what (SKU, external SKU, version, before/after, reported), when (at) and why (outcome,
 * reason); a replay records nothing new; provider updates racing checkouts on the same SKUs never leave available
 * below zero or onHand below reserved.
 */
describe('inventory ledger (DynamoDB Local)', () => {
  const endpoints = testEndpoints();
  const catalogTable = tableNamed(endpoints, 'CatalogTable');
  const dynamodb = dynamoDbClient(endpoints, { maxAttempts: 5 });
  const catalog = new DynamoDbCatalogRepository(dynamodb, catalogTable);
  const orders = new DynamoDbOrderRepository(dynamodb, tableNamed(endpoints, 'OrdersTable'), ORDER_STATUS_SHARDS);
  const stock = new DynamoDbStockLedger(dynamodb, catalogTable, tableNamed(endpoints, 'OrdersTable'), ORDER_STATUS_SHARDS);
  const ledger = new DynamoDbInventoryLedger(dynamodb, catalogTable);
  afterAll(() => dynamodb.destroy());

  const providers = {
    acme: { providerId: 'acme-warehouse', priority: 20 },
    north: { providerId: 'north-supply', priority: 10 },
    prime: { providerId: 'prime-3pl', priority: 30 },
  } as const;
  const tag = randomBytes(3).toString('hex');
  let eventCounter = 0;
  function update(
    sku: string,
    from: { providerId: string; priority: number },
    version: number,
    onHand: number,
    eventId = `evt-${tag}-${++eventCounter}`,
  ): NormalizedUpdate {
    return { ...from, eventId, externalSku: `EXT-${sku}`, sku, onHand, version, occurredAt: '2026-12-01T10:00:00.000Z' };
  }
  /** Timestamps a second apart, so the ledger's order by `at` is the order of the calls. */
  const base = Date.parse('2026-12-02T08:00:00.000Z');
  let tick = 0;
  const at = () => new Date(base + ++tick * 1000).toISOString();

  async function skuState(sku: string) {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: catalogTable, Key: { pk: { S: `SKU#${sku}` }, sk: { S: 'SKU' } }, ConsistentRead: true }),
    );
    const i = unmarshall(Item ?? {});
    return {
      onHand: Number(i.onHand),
      reserved: Number(i.reserved),
      available: Number(i.available),
      stockSource: i.stockSource as string | undefined,
      version: Number(i.version),
    };
  }
  /** Every ledger item of a SKU, straight from the table (not through the adapter under test). */
  async function ledgerItems(sku: string): Promise<Record<string, unknown>[]> {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: catalogTable,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
        ExpressionAttributeValues: { ':pk': { S: `SKU#${sku}` }, ':ledger': { S: 'LEDGER#' } },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []).map((i) => unmarshall(i));
  }
  const probes = new Map<string, ProbeSku>();
  async function skus(count: number, onHand: number): Promise<string[]> {
    const created = await stockedSkus(catalog, { prefix: 'INVLEDGER', count, stock: onHand, unitAmount: 100 });
    for (const p of created) probes.set(p.sku, p);
    return created.map((p) => p.sku);
  }
  /** A checkout's reservation, as the saga's ReserveStock takes it. */
  async function checkout(sku: string, quantity: number): Promise<{ orderId: string; outcome: string }> {
    const order = await pendingOrder(orders, `customer-${tag}`, [{ ...(probes.get(sku) as ProbeSku), quantity }]);
    const result = await stock.reserve(order.orderId, [{ sku, quantity }], new Date(Date.now() + 15 * 60_000).toISOString(), new Date().toISOString());
    return { orderId: order.orderId, outcome: result.outcome };
  }

  it('records apply, stale, duplicate, outranked, clamped and unknown-sku with who, what, when and why; history is newest first', async () => {
    const [sku] = (await skus(1, 10)) as [string];
    const applied = await ledger.apply(update(sku, providers.acme, 5, 7), at());
    expect(applied).toMatchObject({
      sku,
      outcome: 'apply',
      providerId: 'acme-warehouse',
      externalSku: `EXT-${sku}`,
      version: 5,
      before: 10,
      after: 7,
      reported: 7,
    });
    expect(applied.reason).toBeUndefined();
    expect(await skuState(sku)).toMatchObject({ onHand: 7, reserved: 0, available: 7, stockSource: 'acme-warehouse' });

    expect(await ledger.apply(update(sku, providers.acme, 4, 1), at())).toMatchObject({
      outcome: 'stale',
      version: 4,
      reported: 1,
      reason: 'newer version 5 from acme-warehouse seen already',
    });
    expect(await ledger.apply(update(sku, providers.acme, 5, 3), at())).toMatchObject({
      outcome: 'duplicate',
      version: 5,
      reason: 'version 5 from acme-warehouse seen already',
    });
    expect(await ledger.apply(update(sku, providers.north, 100, 50), at())).toMatchObject({
      outcome: 'outranked',
      providerId: 'north-supply',
      reason: 'outranked by acme-warehouse',
    });
    expect(await skuState(sku)).toMatchObject({ onHand: 7, available: 7, stockSource: 'acme-warehouse' });

    expect((await checkout(sku, 4)).outcome).toBe('reserved');
    const clamped = await ledger.apply(update(sku, providers.acme, 6, 2), at());
    expect(clamped).toMatchObject({ outcome: 'apply', before: 7, after: 4, reported: 2, clamped: true, reason: 'clamped to reserved 4' });
    expect(await skuState(sku)).toMatchObject({ onHand: 4, reserved: 4, available: 0 });

    // A provider of higher priority takes the SKU over; the one it displaced is outranked from then on.
    expect(await ledger.apply(update(sku, providers.prime, 1, 9), at())).toMatchObject({ outcome: 'apply', before: 4, after: 9 });
    expect(await ledger.apply(update(sku, providers.acme, 7, 20), at())).toMatchObject({ outcome: 'outranked', reason: 'outranked by prime-3pl' });
    expect(await skuState(sku)).toMatchObject({ onHand: 9, reserved: 4, available: 5, stockSource: 'prime-3pl' });

    const history = await ledger.history(sku, 50);
    expect(history.map((e) => [e.outcome, e.providerId, e.version])).toEqual([
      ['outranked', 'acme-warehouse', 7],
      ['apply', 'prime-3pl', 1],
      ['apply', 'acme-warehouse', 6],
      ['outranked', 'north-supply', 100],
      ['duplicate', 'acme-warehouse', 5],
      ['stale', 'acme-warehouse', 4],
      ['apply', 'acme-warehouse', 5],
    ]);
    expect(history.map((e) => e.at)).toEqual([...history.map((e) => e.at)].sort().reverse());
    expect(history.every((e) => e.sku === sku && e.eventId.startsWith(`evt-${tag}-`) && e.externalSku === `EXT-${sku}` && typeof e.reported === 'number')).toBe(
      true,
    );
    expect(await ledger.history(sku, 2)).toEqual(history.slice(0, 2));

    const missing = `NOSUCH-${tag.toUpperCase()}`;
    const unknown = await ledger.apply(update(missing, providers.acme, 1, 5), at());
    expect(unknown).toMatchObject({ sku: missing, outcome: 'unknown-sku', reported: 5, reason: `no SKU ${missing} in the catalog` });
    expect(await ledger.history(missing, 10)).toEqual([expect.objectContaining({ outcome: 'unknown-sku', eventId: unknown.eventId })]);
    // Recorded, not invented: no SKU item appeared.
    expect(
      (await dynamodb.send(new GetItemCommand({ TableName: catalogTable, Key: { pk: { S: `SKU#${missing}` }, sk: { S: 'SKU' } }, ConsistentRead: true }))).Item,
    ).toBeUndefined();
  });

  it('a replay records nothing new and changes nothing, whatever happened since and however many arrive at once', async () => {
    const [sku] = (await skus(1, 10)) as [string];
    const first = update(sku, providers.acme, 3, 6);
    const entry = await ledger.apply(first, at());
    const before = { state: await skuState(sku), items: await ledgerItems(sku) };

    const again = await ledger.apply(first, at());
    expect(again).toEqual({ ...entry, replayed: true });
    expect(await ledgerItems(sku)).toEqual(before.items);
    expect(await skuState(sku)).toEqual(before.state);

    // After a newer version: the replay is not recorded as stale, it is the same update as before.
    await ledger.apply(update(sku, providers.acme, 4, 8), at());
    const afterNewer = await ledgerItems(sku);
    expect(await ledger.apply(first, at())).toEqual({ ...entry, replayed: true });
    expect(await ledgerItems(sku)).toEqual(afterNewer);
    expect((await skuState(sku)).onHand).toBe(8);

    // Five deliveries of a new update at once: one applies, four are replays, one ledger item.
    const racing = update(sku, providers.acme, 9, 2);
    const results = await Promise.all(Array.from({ length: 5 }, () => retried(() => ledger.apply(racing, at()), prng(3), { baseMs: 10, capMs: 500 })));
    const winners = results.filter((r) => !r.replayed);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ outcome: 'apply', before: 8, after: 2 });
    for (const r of results) expect({ ...r, replayed: undefined }).toEqual({ ...winners[0], replayed: undefined });
    expect((await ledgerItems(sku)).filter((i) => i.eventId === racing.eventId)).toHaveLength(1);
    expect(await skuState(sku)).toMatchObject({ onHand: 2, available: 2 });

    // An unknown SKU's replay too.
    const missing = update(`NOSUCH-${tag.toUpperCase()}-R`, providers.north, 1, 1);
    const unknown = await ledger.apply(missing, at());
    expect(await ledger.apply(missing, at())).toEqual({ ...unknown, replayed: true });
    expect(await ledgerItems(missing.sku)).toHaveLength(1);
  });

  describe('a checkout between the read and the write', () => {
    /** A client that runs `interfere` right after the ledger's next read of a SKU item, before its write. */
    function interleaving() {
      const client = dynamoDbClient(endpoints);
      const hooks: Array<() => Promise<void>> = [];
      let reads = 0;
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const result = await next(args);
          if (context.commandName === 'GetItemCommand') {
            reads++;
            const hook = hooks.shift();
            if (hook) await hook();
          }
          return result;
        },
        { step: 'initialize', name: 'interleaveCheckout' },
      );
      return { ledger: new DynamoDbInventoryLedger(client, catalogTable), hooks, reads: () => reads, destroy: () => client.destroy() };
    }

    it('that reserves more than the provider reports: the update is decided again and clamped to the new reserved', async () => {
      const [sku] = (await skus(1, 10)) as [string];
      const racer = interleaving();
      racer.hooks.push(async () => expect((await checkout(sku, 5)).outcome).toBe('reserved'));
      const entry = await racer.ledger.apply(update(sku, providers.acme, 1, 3), at());
      racer.destroy();
      expect(racer.reads()).toBe(2);
      expect(entry).toMatchObject({ outcome: 'apply', before: 10, after: 5, clamped: true, reason: 'clamped to reserved 5' });
      expect(await skuState(sku)).toMatchObject({ onHand: 5, reserved: 5, available: 0 });
    });

    it('that releases a hold the clamp counted on: the update is decided again and applies as reported', async () => {
      const [sku] = (await skus(1, 10)) as [string];
      const { orderId } = await checkout(sku, 6);
      const racer = interleaving();
      racer.hooks.push(async () => expect(await stock.release(orderId, new Date().toISOString())).toBe('released'));
      const entry = await racer.ledger.apply(update(sku, providers.acme, 1, 3), at());
      racer.destroy();
      expect(entry).toMatchObject({ outcome: 'apply', before: 10, after: 3 });
      expect(entry.clamped).toBeUndefined();
      expect(await skuState(sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    });

    it('on every try: after five tries it gives up with a TransientError and records nothing', async () => {
      const [sku] = (await skus(1, 20)) as [string];
      const racer = interleaving();
      for (let i = 0; i < 5; i++) racer.hooks.push(async () => expect((await checkout(sku, 1)).outcome).toBe('reserved'));
      // The provider reports 0: every read is clamped to what is reserved then, and every write finds it changed.
      await expect(racer.ledger.apply(update(sku, providers.acme, 1, 0), at())).rejects.toBeInstanceOf(TransientError);
      racer.destroy();
      expect(racer.reads()).toBe(5);
      expect(await ledgerItems(sku)).toEqual([]);
      expect(await skuState(sku)).toMatchObject({ onHand: 20, reserved: 5, available: 15 });
    });
  });

  it.each([7, 42, 2026])(
    'provider updates racing checkouts on the same SKUs never leave available < 0 or onHand < reserved (seed %i)',
    async (seed) => {
      const rng = prng(seed);
      const codes = await skus(3, 20);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
      const sources = [providers.acme, providers.north];
      // Distinct versions per provider and SKU, in random order of arrival; some delivered twice.
      const updates: NormalizedUpdate[] = [];
      for (const sku of codes) {
        for (const source of sources) {
          const versions = [...new Set(Array.from({ length: 8 }, () => 1 + Math.floor(rng() * 1000)))];
          for (const version of versions) updates.push(update(sku, source, version, Math.floor(rng() * 30)));
        }
      }
      const deliveries = [...updates, ...updates.filter(() => rng() < 0.2)];
      const checkouts = Array.from({ length: 60 }, () => ({ sku: pick(codes), quantity: 1 + Math.floor(rng() * 4) }));
      const orderIds = await Promise.all(
        checkouts.map((c) => pendingOrder(orders, `customer-${tag}`, [{ ...(probes.get(c.sku) as ProbeSku), quantity: c.quantity }]).then((o) => o.orderId)),
      );
      const operations = [
        ...deliveries.map((u) => async () => ({
          kind: 'update' as const,
          entry: await retried(() => ledger.apply(u, new Date().toISOString()), rng, { baseMs: 10, capMs: 500 }),
        })),
        ...checkouts.map((c, i) => async () => ({
          kind: 'checkout' as const,
          ...c,
          outcome: (
            await retried(() => stock.reserve(orderIds[i] as string, [c], new Date(Date.now() + 15 * 60_000).toISOString(), new Date().toISOString()), rng, {
              baseMs: 10,
              capMs: 500,
            })
          ).outcome,
        })),
      ].sort(() => rng() - 0.5);
      const results = await Promise.all(operations.map((run) => run()));

      for (const sku of codes) {
        const state = await skuState(sku);
        const held = results.reduce((sum, r) => sum + (r.kind === 'checkout' && r.sku === sku && r.outcome === 'reserved' ? r.quantity : 0), 0);
        expect({ sku, reserved: state.reserved }).toEqual({ sku, reserved: held });
        expect(state.available).toBe(state.onHand - state.reserved);
        expect(state.available).toBeGreaterThanOrEqual(0);
        expect(state.onHand).toBeGreaterThanOrEqual(state.reserved);
        // acme outranks north: the SKU ends at acme's newest version, raised to what is reserved if that was more.
        const newest = updates.filter((u) => u.sku === sku && u.providerId === 'acme-warehouse').reduce((a, b) => (b.version > a.version ? b : a));
        expect({ sku, onHand: state.onHand, stockSource: state.stockSource }).toEqual({
          sku,
          onHand: Math.max(newest.onHand, state.reserved),
          stockSource: 'acme-warehouse',
        });
        // One ledger item per distinct update, however often it was delivered.
        const items = await ledgerItems(sku);
        expect(items).toHaveLength(updates.filter((u) => u.sku === sku).length);
      }
    },
    120_000,
  );
});
