import { randomInt } from 'node:crypto';
import { DeleteTableCommand, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { cloneTable } from '../../bench/lib/scratch-tables';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { statusShardOf } from '../../shared/adapters/dynamodb-order-items';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbStockLedger, holdKey } from '../../shared/adapters/dynamodb-stock-ledger';
import { testEndpoints } from '../support/endpoints';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { ORDER_STATUS_SHARDS, runtimeStores } from '../support/runtime-stores';

/**
 * The active holds, write-sharded (issue 12, item 2; docs/data-model.md, "Catalog"): a hold is indexed under
 * `HOLD#ACTIVE#<n>`, n its order's status shard, and the sweeper's read of expired holds fans out over the N shards
 * and merges them by expiry. Against the runtime's DynamoDB Local, with the dev stage's N, on copies of the catalog
 * and orders tables: the sweeper releases every expired hold of the runtime's own tables, so other tests' sweeps would
 * take this test's holds from under it.
 */
describe('active hold shards', () => {
  const endpoints = testEndpoints();
  const { dynamodb, tableName } = runtimeStores(endpoints);
  const N = ORDER_STATUS_SHARDS;
  const tag = randomInt(0, 2 ** 32).toString(16);
  const scratch = { catalog: `active-hold-shards-catalog-${tag}`, orders: `active-hold-shards-orders-${tag}` };
  const catalog = new DynamoDbCatalogRepository(dynamodb, scratch.catalog);
  const orders = new DynamoDbOrderRepository(dynamodb, scratch.orders, N);
  const ledger = new DynamoDbStockLedger(dynamodb, scratch.catalog, scratch.orders, N);

  beforeAll(async () => {
    await cloneTable(dynamodb, tableName('CatalogTable'), scratch.catalog);
    await cloneTable(dynamodb, tableName('OrdersTable'), scratch.orders);
  }, 60_000);

  afterAll(async () => {
    for (const table of Object.values(scratch)) await dynamodb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    dynamodb.destroy();
  });

  it('indexes each hold on its order’s shard, and lists the expired ones of every shard oldest first, at most the limit', async () => {
    expect(N).toBeGreaterThan(1);
    const hourStart = Date.UTC(2001, 0, 1);
    const [probe] = (await stockedSkus(catalog, { prefix: 'HOLDSHARD', stock: 50 })) as [ProbeSku];
    const at = new Date().toISOString();
    const held: Array<{ orderId: string; expiresAt: string }> = [];
    // Twelve orders, their expiries a minute apart in an order unrelated to their ids (and so to their shards).
    for (const minute of [7, 2, 11, 0, 5, 9, 1, 10, 3, 8, 4, 6]) {
      const order = await pendingOrder(orders, `customer-${probe.sku}`, [{ ...probe, quantity: 1 }]);
      const expiresAt = new Date(hourStart + minute * 60_000).toISOString();
      expect(await ledger.reserve(order.orderId, [{ sku: probe.sku, quantity: 1 }], expiresAt, at)).toEqual({ outcome: 'reserved' });
      held.push({ orderId: order.orderId, expiresAt });
    }

    const shards = await Promise.all(
      held.map(async ({ orderId }) => {
        const { Item } = await dynamodb.send(new GetItemCommand({ TableName: scratch.catalog, Key: marshall(holdKey(orderId)), ConsistentRead: true }));
        return Item ? String(unmarshall(Item).gsi1pk) : 'no hold';
      }),
    );
    expect(shards).toEqual(held.map(({ orderId }) => `HOLD#ACTIVE#${statusShardOf(orderId, N)}`));
    expect(new Set(shards).size).toBeGreaterThan(1);

    const oldestFirst = [...held].sort((a, b) => a.expiresAt.localeCompare(b.expiresAt)).map((h) => h.orderId);
    const before = new Date(hourStart + 3_600_000);
    expect((await ledger.expiredHolds(before, 5)).map((h) => h.orderId)).toEqual(oldestFirst.slice(0, 5));
    expect((await ledger.expiredHolds(before, 50)).map((h) => h.orderId)).toEqual(oldestFirst);
    // Expired before the sixth minute: the six oldest only.
    expect((await ledger.expiredHolds(new Date(hourStart + 6 * 60_000), 50)).map((h) => h.orderId)).toEqual(oldestFirst.slice(0, 6));

    // A hold indexed before the shards (under HOLD#ACTIVE alone) is still swept, in its place by expiry.
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: scratch.catalog,
        Key: marshall(holdKey(oldestFirst[2] as string)),
        UpdateExpression: 'SET gsi1pk = :unsharded',
        ExpressionAttributeValues: marshall({ ':unsharded': 'HOLD#ACTIVE' }),
      }),
    );
    expect((await ledger.expiredHolds(before, 50)).map((h) => h.orderId)).toEqual(oldestFirst);

    // A released hold leaves the index.
    expect(await ledger.release(oldestFirst[0] as string, at)).toBe('released');
    expect((await ledger.expiredHolds(before, 50)).map((h) => h.orderId)).toEqual(oldestFirst.slice(1));
  }, 60_000);
});
