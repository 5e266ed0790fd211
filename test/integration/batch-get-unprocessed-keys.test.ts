import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type BatchGetItemCommandInput, type BatchGetItemCommandOutput, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { UnprocessedKeysError } from '../../shared/adapters/dynamodb-batch-get';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { DynamoDbStockNotificationOutbox } from '../../shared/adapters/dynamodb-stock-notification-outbox';
import { dynamoDbClient, tableNamed, testEndpoints } from '../support/endpoints';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { ORDER_STATUS_SHARDS } from '../support/runtime-stores';

/** One BatchGetItem request as it left the client: the pk of each key it asked for, and when. */
interface BatchGetRequest {
  readonly keys: string[];
  readonly at: number;
}

/**
 * Makes DynamoDB Local behave as a throttled table does: of the n-th BatchGetItem request, the first `leave(n)` keys
 * are not read and come back as UnprocessedKeys (DynamoDB Local itself never leaves any). Everything else is the
 * real table's answer.
 */
function leavingKeysUnprocessed(client: DynamoDBClient) {
  const requests: BatchGetRequest[] = [];
  const control = { leave: (_request: number): number => 0, requests };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchGetItemCommand') return next(args);
      const input = args.input as BatchGetItemCommandInput;
      const [table, ask] = Object.entries(input.RequestItems ?? {})[0] ?? [];
      if (!table || !ask?.Keys) return next(args);
      const n = requests.push({ keys: ask.Keys.map((k) => String(unmarshall(k).pk)), at: performance.now() }) - 1;
      const left = Math.min(control.leave(n), ask.Keys.length);
      if (left === 0) return next(args);
      const unprocessed = { [table]: { ...ask, Keys: ask.Keys.slice(0, left) } };
      if (left === ask.Keys.length) return { response: {}, output: { Responses: { [table]: [] }, UnprocessedKeys: unprocessed, $metadata: {} } };
      const result = await next({ ...args, input: { ...input, RequestItems: { [table]: { ...ask, Keys: ask.Keys.slice(left) } } } });
      (result.output as BatchGetItemCommandOutput).UnprocessedKeys = unprocessed;
      return result;
    },
    { step: 'initialize', name: 'leaveKeysUnprocessed' },
  );
  return control;
}

/**
 * The catalog repository and the stock ledger read SKUs with BatchGetItem against DynamoDB Local; when the table
 * leaves keys unprocessed they ask again for just those, after an exponential backoff with full jitter, and give up
 * after five requests with an error that says so (a TransientError in the saga's ledger, for its Retry).
 */
describe('BatchGetItem keys left unprocessed (DynamoDB Local)', () => {
  const endpoints = testEndpoints();
  const catalogTable = tableNamed(endpoints, 'CatalogTable');
  const ordersTable = tableNamed(endpoints, 'OrdersTable');
  const dynamodb = dynamoDbClient(endpoints);
  const throttled = dynamoDbClient(endpoints);
  const table = leavingKeysUnprocessed(throttled);
  const catalog = new DynamoDbCatalogRepository(throttled, catalogTable);
  const ledger = new DynamoDbStockLedger(throttled, catalogTable, ordersTable, ORDER_STATUS_SHARDS);
  const orders = new DynamoDbOrderRepository(dynamodb, ordersTable, ORDER_STATUS_SHARDS);
  const outbox = new DynamoDbStockNotificationOutbox(dynamodb, catalogTable);
  afterAll(() => {
    dynamodb.destroy();
    throttled.destroy();
  });
  afterEach(() => {
    table.leave = () => 0;
    table.requests.length = 0;
    jest.restoreAllMocks();
  });

  /** An order of these lines with its stock held and the order awaiting payment: ready to commit. */
  async function orderToCommit(lines: readonly ProbeSku[]): Promise<string> {
    const { orderId } = await pendingOrder(
      orders,
      'customer-batch-get',
      lines.map((l) => ({ ...l, quantity: 1 })),
    );
    const at = new Date().toISOString();
    const held = await ledger.reserve(
      orderId,
      lines.map((l) => ({ sku: l.sku, quantity: 1 })),
      new Date(Date.now() + 600_000).toISOString(),
      at,
    );
    expect(held).toEqual({ outcome: 'reserved' });
    await orders.transition(orderId, { from: ['RESERVED'], to: 'AWAITING_PAYMENT', at });
    return orderId;
  }

  it('reads 120 SKUs in two requests, asks again for only what was left, after growing waits', async () => {
    // Full jitter draws each wait from [0, 50 × 2^n ms); the top of the range makes the growth visible.
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const skus = [
      ...(await stockedSkus(catalog, { prefix: 'BATCHGET', count: 60, stock: 1 })),
      ...(await stockedSkus(catalog, { prefix: 'BATCHGET', count: 60, stock: 1 })),
    ];
    table.leave = (n) => [50, 10][n] ?? 0;

    const read = await catalog.skusWithProducts(skus.map((s) => s.sku));

    expect(read.map((r) => r.sku.sku).sort()).toEqual(skus.map((s) => s.sku).sort());
    const skuRequests = table.requests.slice(0, 4);
    expect(skuRequests.map((r) => r.keys.length)).toEqual([100, 50, 10, 20]);
    expect(skuRequests[1]?.keys).toEqual(skuRequests[0]?.keys.slice(0, 50));
    expect(skuRequests[2]?.keys).toEqual(skuRequests[1]?.keys.slice(0, 10));
    const [first, second, third] = skuRequests.map((r) => r.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(48);
    expect(third - second).toBeGreaterThanOrEqual(98);
  });

  it('gives up after five requests: the catalog with UnprocessedKeysError, the saga ledger with a TransientError', async () => {
    // A jitter of 0 waits not at all: the bound is on attempts.
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const [sku] = (await stockedSkus(catalog, { prefix: 'BATCHGET', count: 1, stock: 3 })) as [ProbeSku];
    const orderId = await orderToCommit([sku]);
    table.leave = () => 1;

    await expect(catalog.skusWithProducts([sku.sku])).rejects.toThrow(new UnprocessedKeysError(catalogTable, 1, 5));
    expect(table.requests).toHaveLength(5);
    await expect(ledger.commit(orderId, new Date().toISOString())).rejects.toMatchObject({
      name: 'TransientError',
      message: expect.stringMatching(/unprocessed after 5 attempts/),
    });
    // Nothing was written: the saga's Retry commits it once the table answers.
    table.leave = () => 0;
    expect(await ledger.get(orderId)).toMatchObject({ status: 'ACTIVE' });
    expect(await ledger.commit(orderId, new Date().toISOString())).toBe('committed');
  });

  it('commits with the stock sources a retried read found: the provider of the SKU is owed its sale notice', async () => {
    const provider = `test-batch-get-${randomBytes(3).toString('hex')}`;
    const lines = await stockedSkus(catalog, { prefix: 'BATCHGET', count: 3, stock: 2 });
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: catalogTable,
        Key: marshall({ pk: `SKU#${lines[0]?.sku}`, sk: 'SKU' }),
        UpdateExpression: 'SET stockSource = :p, stockSourcePriority = :prio',
        ExpressionAttributeValues: marshall({ ':p': provider, ':prio': 10 }),
      }),
    );
    const orderId = await orderToCommit(lines);
    table.requests.length = 0;
    table.leave = (n) => [3, 2][n] ?? 0;

    expect(await ledger.commit(orderId, new Date().toISOString())).toBe('committed');

    expect(table.requests.map((r) => r.keys.length)).toEqual([3, 3, 2]);
    expect(await outbox.pending(provider, 10)).toMatchObject([{ providerId: provider, kind: 'sale', orderId, lines: [{ sku: lines[0]?.sku, quantity: 1 }] }]);
  });
});
