import { randomInt } from 'node:crypto';
import { BatchWriteItemCommand, GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { HmacCursorCodec } from '../../shared/adapters/hmac-cursor-codec';
import { orderIdOf, orderItem, statusShardOf } from '../../shared/adapters/dynamodb-order-items';
import { DynamoDbVendorOrderRepository } from '../../shared/adapters/dynamodb-vendor-order-repository';
import { ValidationError } from '../../shared/domain/errors';
import type { OrderStatus, StoredOrder } from '../../shared/domain/orders/order';
import { listOrdersByStatus } from '../../shared/domain/orders/queries';
import type { ListPosition } from '../../shared/ports/cursor-codec';
import { testEndpoints } from '../support/endpoints';
import { ORDER_STATUS_SHARDS, runtimeStores } from '../support/runtime-stores';

/**
 * The orders' byStatus index, write-sharded (issue 12, item 2; docs/data-model.md, "Orders"): an order is indexed
 * under `STATUS#<status>#<n>`, n a hash of its id mod the stage's shard count, and the readers fan out over the N
 * shards. Against the runtime's DynamoDB Local, with the dev stage's N. Each test's orders are created in a window of
 * creation times of their own, decades back, so no other order of the runtime falls in it.
 */
describe('order status shards', () => {
  const endpoints = testEndpoints();
  const stores = runtimeStores(endpoints);
  const table = stores.tableName('OrdersTable');
  const N = ORDER_STATUS_SHARDS;

  afterAll(() => stores.dynamodb.destroy());

  /** A window of creation times no other order has: a random hour of 1990-2009. */
  const freshWindow = () => {
    const start = Date.UTC(1990, 0, 1) + randomInt(0, 20 * 365 * 24) * 3_600_000;
    return { start, from: new Date(start).toISOString(), to: new Date(start + 3_600_000 - 1).toISOString() };
  };

  const order = (createdAt: string, status: OrderStatus = 'PENDING', vendorId = 'vendor-shards'): StoredOrder => {
    const price = { amount: 1000, currency: 'EUR' };
    return {
      orderId: ulid(),
      customerId: 'shards-customer',
      status,
      lines: [{ sku: 'SHARDS-SKU', productId: 'shards-product', vendorId, quantity: 1, unitPrice: price, lineTotal: price }],
      total: price,
      createdAt,
      updatedAt: createdAt,
    };
  };

  /** Orders created through the repository (order, vendor view, history, checkout key), as checkout creates them. */
  const created = async (orders: StoredOrder[]) => {
    for (const o of orders)
      expect(await stores.orders.createOnce(o, { idempotencyKey: `shards-${o.orderId}`, requestHash: 'shards' })).toEqual({ created: true });
    return orders;
  };

  /** Newest first, as the index orders them: creation time, then order id. */
  const newestFirst = (orders: StoredOrder[]) =>
    [...orders].sort((a, b) => (`${a.createdAt}#${a.orderId}` < `${b.createdAt}#${b.orderId}` ? 1 : -1)).map((o) => o.orderId);

  /** The index entries of one shard of a status in the window, read raw. */
  const shardEntries = async (status: OrderStatus, shard: number, window: { from: string; to: string }) => {
    const page = await stores.dynamodb.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'byStatus',
        KeyConditionExpression: 'gsi2pk = :key AND gsi2sk BETWEEN :from AND :to',
        ExpressionAttributeValues: marshall({ ':key': `STATUS#${status}#${shard}`, ':from': `${window.from}#`, ':to': `${window.to}#~` }),
      }),
    );
    return (page.Items ?? []).map((i) => orderIdOf(unmarshall(i).pk));
  };

  /** Every page of the admin listing from the repository, following each page's position. */
  const allPages = async (status: OrderStatus, window: { from: string; to: string }, limit: number, first?: ListPosition) => {
    const pages: string[][] = [];
    let after = first;
    for (let i = 0; i < 200; i++) {
      const page = await stores.orders.listByStatus(status, { ...window, limit, ...(after ? { after } : {}) });
      pages.push(page.items.map((o) => o.orderId));
      if (!page.next) return pages;
      after = page.next;
    }
    throw new Error('the listing did not end');
  };

  it(`uses the dev stage's ${N} shards`, () => {
    expect(N).toBe(4);
  });

  it('puts orders of one status on several shards, each on the one its id hashes to, and lists them newest first across pages with no duplicate or gap', async () => {
    const window = freshWindow();
    // 23 orders, some created in the same millisecond (the order id breaks the tie), on whatever shards their ids give.
    const at = (i: number) => new Date(window.start + Math.floor(i / 2) * 1_000).toISOString();
    const orders = await created(Array.from({ length: 23 }, (_, i) => order(at(i))));

    const byShard = await Promise.all(Array.from({ length: N }, (_, shard) => shardEntries('PENDING', shard, window)));
    for (const o of orders) expect(byShard[statusShardOf(o.orderId, N)]).toContain(o.orderId);
    expect(byShard.flat().sort()).toEqual(orders.map((o) => o.orderId).sort());
    expect(byShard.filter((entries) => entries.length > 0).length).toBeGreaterThan(1);
    const raw = await stores.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk: `ORDER#${orders[0]!.orderId}`, sk: 'ORDER' }) }));
    expect(unmarshall(raw.Item ?? {}).gsi2pk).toBe(`STATUS#PENDING#${statusShardOf(orders[0]!.orderId, N)}`);

    const expected = newestFirst(orders);
    for (const limit of [1, 4, 5, 23, 50]) {
      const pages = await allPages('PENDING', window, limit);
      expect(pages.flat()).toEqual(expected);
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
      // The last page is the rest; at most one empty page ends a listing whose last shard stopped at its Limit.
      expect(pages.length).toBeLessThanOrEqual(Math.ceil(23 / limit) + 1);
    }
  }, 60_000);

  it('pages through signed cursors of bounded size, refuses an altered position and still reads a position with the index keys of an unsharded page', async () => {
    const window = freshWindow();
    const orders = await created(Array.from({ length: 9 }, (_, i) => order(new Date(window.start + i * 60_000).toISOString())));
    const cursors = new HmacCursorCodec(() => Promise.resolve('k'.repeat(32)));
    const deps = { orders: stores.orders, cursors, now: () => new Date() };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listOrdersByStatus(deps, 'admin-shards', { status: 'PENDING', from: window.from, to: window.to, limit: 2, cursor });
      seen.push(...page.items.map((o) => o.orderId));
      cursor = page.nextCursor;
      // The scope and one sort key (a time and an id) whatever the shard count: the cursor does not grow with N.
      if (cursor) expect(cursor.length).toBeLessThan(400);
    } while (cursor);
    expect(seen).toEqual(newestFirst(orders));

    // A cursor issued before the index was sharded held the page's LastEvaluatedKey: its gsi2sk is the position.
    const expected = newestFirst(orders);
    const third = orders.find((o) => o.orderId === expected[2])!;
    const legacy = { pk: `ORDER#${third.orderId}`, sk: 'ORDER', gsi2pk: 'STATUS#PENDING', gsi2sk: `${third.createdAt}#${third.orderId}` };
    expect((await allPages('PENDING', window, 4, legacy)).flat()).toEqual(expected.slice(3));
    await expect(stores.orders.listByStatus('PENDING', { ...window, limit: 2, after: { m: '2026-01' } })).rejects.toThrow(ValidationError);
    // A position before the window's start lists nothing (and is no DynamoDB error).
    expect(await stores.orders.listByStatus('PENDING', { ...window, limit: 2, after: { gsi2sk: '1970-01-01T00:00:00.000Z#x' } })).toEqual({ items: [] });
  }, 60_000);

  it('moves an order’s entry between the sharded keys of its statuses as it changes status, RESERVED staying on PENDING’s', async () => {
    const window = freshWindow();
    const [moving, staying] = await created([order(window.from), order(new Date(window.start + 1_000).toISOString())]);
    const shard = statusShardOf(moving!.orderId, N);
    const listed = async (status: OrderStatus) => (await stores.orders.listByStatus(status, { ...window, limit: 10 })).items.map((o) => o.orderId);

    const at = new Date().toISOString();
    const before = await stores.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk: `ORDER#${moving!.orderId}`, sk: 'ORDER' }) }));
    expect(await stores.orders.transition(moving!.orderId, { from: ['PENDING'], to: 'RESERVED', at })).toMatchObject({ status: 'RESERVED' });
    // RESERVED is indexed under PENDING's key: the entry stays, and each listing keeps only its own status.
    expect(await shardEntries('PENDING', shard, window)).toContain(moving!.orderId);
    expect(await shardEntries('RESERVED', shard, window)).toEqual([]);
    expect(await listed('RESERVED')).toEqual([moving!.orderId]);
    expect(await listed('PENDING')).toEqual([staying!.orderId]);
    const reserved = await stores.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk: `ORDER#${moving!.orderId}`, sk: 'ORDER' }) }));
    expect(reserved.Item?.gsi2pk).toEqual(before.Item?.gsi2pk);
    expect(unmarshall(reserved.Item ?? {}).history).toEqual([`${at} RESERVED`]);

    // The wait for payment keys it on the same shard, under its own status.
    await stores.orders.attachPayment(
      moving!.orderId,
      { provider: 'stripe', paymentIntentId: `pi_shards_${moving!.orderId}`, status: 'requires_payment_method' },
      at,
    );
    expect(await stores.orders.awaitPayment(moving!.orderId, 'token-shards', at)).toMatchObject({ status: 'AWAITING_PAYMENT' });
    expect(await shardEntries('PENDING', shard, window)).not.toContain(moving!.orderId);
    expect(await shardEntries('AWAITING_PAYMENT', shard, window)).toEqual([moving!.orderId]);
    expect(await listed('RESERVED')).toEqual([]);

    await stores.orders.transition(moving!.orderId, { from: ['AWAITING_PAYMENT'], to: 'CANCELLED', at });
    expect(await shardEntries('AWAITING_PAYMENT', shard, window)).toEqual([]);
    expect(await listed('CANCELLED')).toEqual([moving!.orderId]);
    expect(await listed('PENDING')).toEqual([staying!.orderId]);
    expect(
      unmarshall(
        (await stores.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk: `ORDER#${moving!.orderId}`, sk: 'ORDER' }) }))).Item ?? {},
      ).history,
    ).toEqual([`${at} RESERVED`, `${at} AWAITING_PAYMENT`, `${at} CANCELLED`]);
  }, 60_000);

  it('still lists a RESERVED order indexed under its own key (before RESERVED shared PENDING’s), and moves it on', async () => {
    const window = freshWindow();
    const [legacy] = await created([order(window.from)]);
    const shard = statusShardOf(legacy!.orderId, N);
    // As a release before the shared key left it: RESERVED, on `STATUS#RESERVED#<n>`.
    await stores.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall({ pk: `ORDER#${legacy!.orderId}`, sk: 'ORDER' }),
        UpdateExpression: 'SET #status = :reserved, gsi2pk = :key',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: marshall({ ':reserved': 'RESERVED', ':key': `STATUS#RESERVED#${shard}` }),
      }),
    );
    expect((await stores.orders.listByStatus('RESERVED', { ...window, limit: 10 })).items.map((o) => o.orderId)).toEqual([legacy!.orderId]);
    const read: string[] = [];
    for await (const o of stores.orders.listByStatusCreated('RESERVED', window.from, window.to)) read.push(o.orderId);
    expect(read).toEqual([legacy!.orderId]);

    const at = new Date().toISOString();
    await stores.orders.transition(legacy!.orderId, { from: ['RESERVED'], to: 'FAILED', at, failureReason: 'test' });
    expect(await shardEntries('RESERVED', shard, window)).toEqual([]);
    expect(await shardEntries('FAILED', shard, window)).toEqual([legacy!.orderId]);
  }, 60_000);

  it('reads every order of a status in a window for reconciliation, each once, paging every shard past one page', async () => {
    const window = freshWindow();
    // 430 orders over 4 shards: some shard holds more than the 100 entries of one page. Written directly (the order
    // items only, as the repository shapes them) to keep the test quick.
    const orders = Array.from({ length: 430 }, (_, i) => order(new Date(window.start + i * 1_000).toISOString(), 'CONFIRMED'));
    for (let i = 0; i < orders.length; i += 25) {
      const batch = orders.slice(i, i + 25).map((o) => ({ PutRequest: { Item: marshall(orderItem(o, N), { removeUndefinedValues: true }) } }));
      const result = await stores.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: batch } }));
      expect(Object.keys(result.UnprocessedItems ?? {})).toEqual([]);
    }
    const perShard = orders.reduce(
      (counts, o) => counts.set(statusShardOf(o.orderId, N), (counts.get(statusShardOf(o.orderId, N)) ?? 0) + 1),
      new Map<number, number>(),
    );
    expect(Math.max(...perShard.values())).toBeGreaterThan(100);

    const read: string[] = [];
    for await (const o of stores.orders.listByStatusCreated('CONFIRMED', window.from, window.to)) read.push(o.orderId);
    expect(read).toHaveLength(orders.length);
    expect(new Set(read).size).toBe(orders.length);
    expect([...read].sort()).toEqual(orders.map((o) => o.orderId).sort());
    const none: string[] = [];
    for await (const o of stores.orders.listByStatusCreated('PENDING', window.from, window.to)) none.push(o.orderId);
    expect(none).toEqual([]);
  }, 120_000);

  it('indexes a vendor’s views on its orders’ shards and lists them newest first across the shards and the unsharded key, with no duplicate or gap', async () => {
    const vendors = new DynamoDbVendorOrderRepository(stores.dynamodb, table, N);
    // A vendor of its own: its listing holds only this test's orders.
    const vendorId = `vendor-shards-${ulid()}`;
    const start = Date.UTC(2001, 0, 1);
    const orders = await created(Array.from({ length: 17 }, (_, i) => order(new Date(start + Math.floor(i / 2) * 1_000).toISOString(), 'PENDING', vendorId)));
    const viewOf = async (orderId: string) =>
      unmarshall(
        (await stores.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk: `ORDER#${orderId}`, sk: `VENDOR#${vendorId}` }) }))).Item ?? {},
      );
    for (const o of orders) expect((await viewOf(o.orderId)).gsi3pk).toBe(`VENDOR#${vendorId}#${statusShardOf(o.orderId, N)}`);
    expect(new Set(orders.map((o) => statusShardOf(o.orderId, N))).size).toBeGreaterThan(1);
    // Three views as a release before the sharding wrote them, under the vendor's one key.
    for (const o of orders.slice(4, 7))
      await stores.dynamodb.send(
        new UpdateItemCommand({
          TableName: table,
          Key: marshall({ pk: `ORDER#${o.orderId}`, sk: `VENDOR#${vendorId}` }),
          UpdateExpression: 'SET gsi3pk = :key',
          ExpressionAttributeValues: marshall({ ':key': `VENDOR#${vendorId}` }),
        }),
      );

    const expected = newestFirst(orders);
    for (const limit of [1, 3, 17, 50]) {
      const seen: string[][] = [];
      let after: ListPosition | undefined;
      for (let i = 0; i < 40; i++) {
        const page = await vendors.listByVendor(vendorId, { limit, ...(after ? { after } : {}) });
        seen.push(page.items.map((o) => o.orderId));
        expect(page.items.every((o) => o.vendorId === vendorId && o.lines.length === 1)).toBe(true);
        if (!page.next) break;
        expect(Object.keys(page.next)).toEqual(['gsi3sk']);
        after = page.next;
      }
      expect(seen.flat()).toEqual(expected);
      for (const page of seen.slice(0, -1)) expect(page).toHaveLength(limit);
    }
    // A cursor issued before the sharding (the page's LastEvaluatedKey) still reads on from its sort key.
    const second = orders.find((o) => o.orderId === expected[1])!;
    const legacy = { pk: `ORDER#${second.orderId}`, sk: `VENDOR#${vendorId}`, gsi3pk: `VENDOR#${vendorId}`, gsi3sk: `${second.createdAt}#${second.orderId}` };
    expect((await vendors.listByVendor(vendorId, { limit: 50, after: legacy })).items.map((o) => o.orderId)).toEqual(expected.slice(2));
    await expect(vendors.listByVendor(vendorId, { limit: 2, after: { pk: 'x' } })).rejects.toThrow(ValidationError);
  }, 60_000);
});
