import { randomBytes } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { putAll } from '../../bench/lib/scratch-tables';
import { batchGetItems } from '../../shared/adapters/dynamodb-batch-get';
import { orderIdOf, orderItem } from '../../shared/adapters/dynamodb-order-items';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { shardKey } from '../../shared/adapters/dynamodb-stock-shards';
import { available } from '../../shared/domain/catalog/catalog';
import type { StoredOrder } from '../../shared/domain/orders/order';
import type { HeldLine, ReserveResult, ShardHeld, StockHold } from '../../shared/ports/stock-ledger';
import { testEndpoints } from '../support/endpoints';
import { ulid } from 'ulid';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { mulberry32 as prng } from '../support/random';
import { retried } from '../support/retried';
import { runtimeStores } from '../support/runtime-stores';

/**
 * Flash-sale SKUs (issue 12, item 3): a SKU whose stock is kept in S shards, against DynamoDB Local through the
 * runtime's DynamoDB front, which plays TransactionConflict as DynamoDB does, with the real SDK and the real stock
 * ledger. The reservations drive ReserveStock's transaction directly (the saga's step, retried as its Retry does)
 * rather than full HTTP checkouts: 2,000 checkouts through the API, the saga and the Stripe stand-in take minutes
 * on a CI machine, and the checkout's own availability check only refuses earlier what this transaction refuses.
 */
describe('flash-sale SKUs with stock shards (DynamoDB Local, conflicts played)', () => {
  const endpoints = testEndpoints();
  const { dynamodb, catalog, orders, ledger, tableName } = runtimeStores(endpoints, { maxAttempts: 5 });
  const catalogTable = tableName('CatalogTable');
  const inventory = new DynamoDbInventoryLedger(dynamodb, catalogTable, { maxAttempts: 20 });
  afterAll(() => dynamodb.destroy());

  /** Each shard's counters, straight from the table. */
  async function shards(sku: string, count: number) {
    return Promise.all(
      Array.from({ length: count }, async (_, shard) => {
        const { Item } = await dynamodb.send(new GetItemCommand({ TableName: catalogTable, Key: marshall(shardKey(sku, shard)), ConsistentRead: true }));
        const i = unmarshall(Item ?? {});
        return { onHand: Number(i.onHand), reserved: Number(i.reserved), available: Number(i.available) };
      }),
    );
  }
  const sum = (xs: ReadonlyArray<{ onHand: number; reserved: number; available: number }>) =>
    xs.reduce((a, s) => ({ onHand: a.onHand + s.onHand, reserved: a.reserved + s.reserved, available: a.available + s.available }), {
      onHand: 0,
      reserved: 0,
      available: 0,
    });
  /** Units a hold holds on each shard: where it recorded them, else the SKU item (shard 0). */
  const heldOn = (hold: Pick<StockHold, 'lines' | 'shards'>, sku: string) => {
    const recorded = (hold.shards ?? []).filter((s) => s.sku === sku);
    return recorded.length ? recorded : [{ sku, shard: 0, quantity: hold.lines.find((l) => l.sku === sku)?.quantity ?? 0 }];
  };
  const expiresAt = () => new Date(Date.now() + 15 * 60_000).toISOString();
  const reserve = (orderId: string, lines: readonly HeldLine[], rng: () => number): Promise<ReserveResult> =>
    retried(() => ledger.reserve(orderId, lines, expiresAt(), new Date().toISOString()), rng, { baseMs: 20, capMs: 1000 });
  const orderOf = async (probe: ProbeSku, quantity: number) => (await pendingOrder(orders, 'customer-flash', [{ ...probe, quantity }])).orderId;
  /** Many PENDING order items at once, as checkout writes them (BatchWriteItem: the order item is what ReserveStock moves). */
  async function pendingOrders(probe: ProbeSku, quantities: readonly number[]): Promise<string[]> {
    const at = new Date().toISOString();
    const items = quantities.map((quantity): StoredOrder => {
      const unitPrice = { amount: probe.unitAmount, currency: 'EUR' };
      const lineTotal = { amount: probe.unitAmount * quantity, currency: 'EUR' };
      const line = { sku: probe.sku, productId: probe.productId, vendorId: probe.vendorId, quantity, unitPrice, lineTotal };
      return { orderId: ulid(), customerId: 'customer-flash', status: 'PENDING', lines: [line], total: lineTotal, createdAt: at, updatedAt: at };
    });
    await putAll(dynamodb, tableName('OrdersTable'), items.map(orderItem));
    return items.map((o) => o.orderId);
  }

  it.each([
    [11, 4],
    [2024, 8],
    [777, 16],
  ])(
    '2,000 concurrent reservations of one SKU with 500 units in shards sell exactly 500, none partially (seed %i, %i shards)',
    async (seed, shardCount) => {
      const rng = prng(seed);
      const [probe] = (await stockedSkus(catalog, { prefix: 'FLASH', stock: 500, stockShards: shardCount })) as [ProbeSku];
      const before = await catalog.get(probe.productId);
      expect(before?.skus.map((s) => available(s))).toEqual([500]);
      // Mostly single units, some lines of 2 or 3 (which span shards once no shard has enough on its own).
      const wanted = Array.from({ length: 2000 }, () => {
        const r = rng();
        return r < 0.8 ? 1 : r < 0.95 ? 2 : 3;
      });
      const orderIds = await pendingOrders(probe, wanted);

      const results = await Promise.all(orderIds.map((id, i) => reserve(id, [{ sku: probe.sku, quantity: wanted[i] as number }], rng)));

      expect(results.filter((r) => r.outcome !== 'reserved' && r.outcome !== 'insufficient')).toEqual([]);
      const sold = results.reduce((n, r, i) => n + (r.outcome === 'reserved' ? (wanted[i] as number) : 0), 0);
      expect(sold).toBe(500);
      const after = await shards(probe.sku, shardCount);
      expect(sum(after)).toEqual({ onHand: 500, reserved: 500, available: 0 });
      expect(after.every((s) => s.available === 0 && s.reserved === s.onHand)).toBe(true);
      expect((await catalog.get(probe.productId))?.skus.map((s) => available(s))).toEqual([0]);

      // Every order has all its units or none: a winner's hold covers its whole line, and the holds' units per shard
      // are exactly what each shard says is reserved (so every release goes back where it came from).
      const holdItems = await batchGetItems(
        dynamodb,
        catalogTable,
        orderIds.map((id) => ({ pk: `HOLD#${id}`, sk: 'HOLD' })),
      );
      const holds = new Map(holdItems.map((h) => [String(h.orderId), { lines: h.lines as HeldLine[], shards: h.shards as ShardHeld[] | undefined }]));
      const perShard = new Array<number>(shardCount).fill(0);
      orderIds.forEach((id, i) => {
        const hold = holds.get(id);
        if (results[i]?.outcome !== 'reserved') return expect(hold).toBeUndefined();
        const held = heldOn(hold as Pick<StockHold, 'lines' | 'shards'>, probe.sku);
        expect(held.reduce((n, s) => n + s.quantity, 0)).toBe(wanted[i]);
        for (const s of held) perShard[s.shard] = (perShard[s.shard] ?? 0) + s.quantity;
      });
      expect(perShard).toEqual(after.map((s) => s.reserved));
      const statuses = new Map(
        (
          await batchGetItems(
            dynamodb,
            tableName('OrdersTable'),
            orderIds.map((id) => ({ pk: `ORDER#${id}`, sk: 'ORDER' })),
            { projection: ['pk', 'status'] },
          )
        ).map((o) => [orderIdOf(o.pk), o.status]),
      );
      orderIds.forEach((id, i) => expect(statuses.get(id)).toBe(results[i]?.outcome === 'reserved' ? 'RESERVED' : 'PENDING'));
    },
    // About 40 s of CPU per seed over the runtime, DynamoDB Local and the test on this 2-core machine.
    120_000,
  );

  it('spans shards for a line no shard can take alone, and gives units back to the shards they came from', async () => {
    const rng = prng(3);
    const [probe] = (await stockedSkus(catalog, { prefix: 'FLASHSPAN', stock: 8, stockShards: 4 })) as [ProbeSku];
    expect(await shards(probe.sku, 4)).toEqual(Array.from({ length: 4 }, () => ({ onHand: 2, reserved: 0, available: 2 })));

    const seven = await orderOf(probe, 7);
    expect(await reserve(seven, [{ sku: probe.sku, quantity: 7 }], rng)).toEqual({ outcome: 'reserved' });
    const hold = (await ledger.get(seven)) as StockHold;
    expect(hold.shards?.length).toBe(4);
    expect(sum(await shards(probe.sku, 4))).toEqual({ onHand: 8, reserved: 7, available: 1 });
    const two = await orderOf(probe, 2);
    expect(await reserve(two, [{ sku: probe.sku, quantity: 2 }], rng)).toEqual({ outcome: 'insufficient', skus: [probe.sku] });

    const at = new Date().toISOString();
    expect(await ledger.release(seven, at)).toBe('released');
    expect(await shards(probe.sku, 4)).toEqual(Array.from({ length: 4 }, () => ({ onHand: 2, reserved: 0, available: 2 })));

    // Sold and then cancelled: each unit leaves its shard's onHand and comes back to it.
    const eight = await orderOf(probe, 8);
    expect(await reserve(eight, [{ sku: probe.sku, quantity: 8 }], rng)).toEqual({ outcome: 'reserved' });
    await orders.transition(eight, { from: ['RESERVED'], to: 'AWAITING_PAYMENT', at });
    expect(await ledger.commit(eight, at)).toBe('committed');
    expect(await shards(probe.sku, 4)).toEqual(Array.from({ length: 4 }, () => ({ onHand: 0, reserved: 0, available: 0 })));
    expect(await ledger.restock(eight, at)).toBe('restocked');
    expect(await shards(probe.sku, 4)).toEqual(Array.from({ length: 4 }, () => ({ onHand: 2, reserved: 0, available: 2 })));
  }, 30_000);

  it('spreads a provider update and a vendor adjustment over the shards, keeping what each shard holds', async () => {
    const rng = prng(9);
    const tag = randomBytes(3).toString('hex');
    const [probe] = (await stockedSkus(catalog, { prefix: 'FLASHINV', stock: 12, stockShards: 3 })) as [ProbeSku];
    const held = await orderOf(probe, 5);
    expect(await reserve(held, [{ sku: probe.sku, quantity: 5 }], rng)).toEqual({ outcome: 'reserved' });
    const provider = { providerId: `flash-provider-${tag}`, priority: 20 };
    const update = (version: number, onHand: number) => ({
      ...provider,
      eventId: `evt-${tag}-${version}`,
      externalSku: `EXT-${probe.sku}`,
      sku: probe.sku,
      onHand,
      version,
      occurredAt: '2026-12-05T10:00:00.000Z',
    });

    // An absolute onHand of 20: each shard keeps what it reserves, the 15 available spread evenly.
    const applied = await inventory.apply(update(1, 20), new Date().toISOString());
    expect(applied).toMatchObject({ outcome: 'apply', before: 12, after: 20 });
    const spread = await shards(probe.sku, 3);
    expect(sum(spread)).toEqual({ onHand: 20, reserved: 5, available: 15 });
    expect(spread.map((s) => s.available)).toEqual([5, 5, 5]);

    // Below what is reserved: clamped to it, every shard at exactly its reserved units.
    const clamped = await inventory.apply(update(2, 1), new Date().toISOString());
    expect(clamped).toMatchObject({ outcome: 'apply', after: 5, clamped: true });
    expect(sum(await shards(probe.sku, 3))).toEqual({ onHand: 5, reserved: 5, available: 0 });

    // The provider still holds the SKU, so the vendor's level is outranked; on a SKU of its own it applies, spread.
    const vendor = { adjustmentId: `adj-${tag}`, vendorId: probe.vendorId, sku: probe.sku, change: { onHand: 30 }, reason: 'flash restock' };
    expect(await inventory.adjust(vendor, new Date().toISOString())).toEqual({ kind: 'outranked', by: provider.providerId });
    const [own] = (await stockedSkus(catalog, { prefix: 'FLASHVADJ', stock: 9, stockShards: 3 })) as [ProbeSku];
    const ownHeld = await orderOf(own, 4);
    expect(await reserve(ownHeld, [{ sku: own.sku, quantity: 4 }], rng)).toEqual({ outcome: 'reserved' });
    const adjusted = await inventory.adjust({ ...vendor, adjustmentId: `adj-${tag}-own`, sku: own.sku, change: { delta: 6 } }, new Date().toISOString());
    expect(adjusted).toMatchObject({ kind: 'applied', entry: { before: 9, after: 15 } });
    const ownShards = await shards(own.sku, 3);
    expect(sum(ownShards)).toEqual({ onHand: 15, reserved: 4, available: 11 });
    expect(Math.max(...ownShards.map((s) => s.available)) - Math.min(...ownShards.map((s) => s.available))).toBeLessThanOrEqual(1);
  }, 30_000);
});
