import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { testEndpoints } from '../support/endpoints';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { runtimeStores } from '../support/runtime-stores';

/**
 * How orders are stored to keep each order's writes cheap (issue 12, item 5; docs/data-model.md): the customer and
 * status indexes keep only keys, so their readers fetch the orders themselves, and the saga's task token lives in a
 * PAYMENTWAIT item of its own, read with the order only while it awaits payment. Against the runtime's DynamoDB.
 */
describe('order storage', () => {
  const endpoints = testEndpoints();
  const stores = runtimeStores(endpoints);
  const table = stores.tableName('OrdersTable');
  let sku: ProbeSku;

  beforeAll(async () => {
    [sku] = (await stockedSkus(stores.catalog, { prefix: 'STORE', stock: 20 })) as [ProbeSku];
  }, 30_000);

  afterAll(() => stores.dynamodb.destroy());

  const raw = async (pk: string, sk: string) => {
    const { Item } = await stores.dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ pk, sk }), ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  };

  it('keeps the task token off the order: a PAYMENTWAIT item that expires, read with the order while it awaits payment', async () => {
    const customerId = `store-${Date.now()}`;
    const order = await pendingOrder(stores.orders, customerId, [{ ...sku, quantity: 1 }]);
    const at = new Date().toISOString();
    const reserved = await stores.orders.transition(order.orderId, { from: ['PENDING'], to: 'RESERVED', at });
    expect(reserved?.status).toBe('RESERVED');
    await stores.orders.attachPayment(
      order.orderId,
      { provider: 'stripe', paymentIntentId: `pi_store_${order.orderId}`, status: 'requires_payment_method' },
      at,
    );
    const token = `token-${'x'.repeat(700)}`;

    const awaiting = await stores.orders.awaitPayment(order.orderId, token, at);
    expect(awaiting).toMatchObject({ status: 'AWAITING_PAYMENT', paymentTaskToken: token });
    expect((await stores.orders.get(order.orderId))?.paymentTaskToken).toBe(token);
    const item = await raw(`ORDER#${order.orderId}`, 'ORDER');
    expect(item).toMatchObject({ status: 'AWAITING_PAYMENT' });
    expect(item?.paymentTaskToken).toBeUndefined();
    const wait = await raw(`ORDER#${order.orderId}`, 'PAYMENTWAIT');
    expect(wait).toMatchObject({ taskToken: token });
    expect(Number(wait?.expiresAt)).toBeGreaterThan(Date.now() / 1000 + 24 * 3600);

    // A recorded outcome comes back with the token, so the webhook consumer can answer the wait.
    const outcome = { kind: 'succeeded' as const, paymentIntentId: `pi_store_${order.orderId}`, amount: order.total.amount, currency: 'EUR' };
    expect((await stores.orders.recordPaymentOutcome(order.orderId, outcome, at))?.paymentTaskToken).toBe(token);

    // Once the wait is over the order reads without a token, although the item is left to expire.
    await stores.orders.transition(order.orderId, { from: ['AWAITING_PAYMENT'], to: 'CANCELLED', at: new Date().toISOString() });
    expect((await stores.orders.get(order.orderId))?.paymentTaskToken).toBeUndefined();
  }, 30_000);

  it('lists a customer’s orders and orders by status through indexes of keys only, dropping an order that moved on', async () => {
    const customerId = `store-list-${Date.now()}`;
    const first = await pendingOrder(stores.orders, customerId, [{ ...sku, quantity: 1 }]);
    const second = await pendingOrder(stores.orders, customerId, [{ ...sku, quantity: 2 }]);

    const index = await stores.dynamodb.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'byCustomer',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: marshall({ ':p': `CUSTOMER#${customerId}` }),
      }),
    );
    // The index entry is the keys, nothing of the order.
    expect(Object.keys(unmarshall(index.Items?.[0] ?? {})).sort()).toEqual(['gsi1pk', 'gsi1sk', 'pk', 'sk']);

    const listed = await stores.orders.listByCustomer(customerId, { limit: 10 });
    expect(listed.items.map((o) => [o.orderId, o.lines[0]?.quantity, o.total.amount])).toEqual([
      [second.orderId, 2, second.total.amount],
      [first.orderId, 1, first.total.amount],
    ]);
    const firstPage = await stores.orders.listByCustomer(customerId, { limit: 1 });
    expect(firstPage.items.map((o) => o.orderId)).toEqual([second.orderId]);
    expect((await stores.orders.listByCustomer(customerId, { limit: 1, after: firstPage.next })).items.map((o) => o.orderId)).toEqual([first.orderId]);

    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const pending = async () => (await stores.orders.listByStatus('PENDING', { from, to, limit: 100 })).items.map((o) => o.orderId);
    expect(await pending()).toEqual(expect.arrayContaining([first.orderId, second.orderId]));
    await stores.orders.transition(first.orderId, { from: ['PENDING'], to: 'FAILED', at: new Date().toISOString(), failureReason: 'test' });
    expect(await pending()).not.toContain(first.orderId);
    const created: string[] = [];
    for await (const order of stores.orders.listByStatusCreated('FAILED', from, to)) created.push(order.orderId);
    expect(created).toContain(first.orderId);
  }, 30_000);
  it('a fulfilment claim keeps the order CONFIRMED and makes a transition that requires it unclaimed fail, writing nothing', async () => {
    const order = await pendingOrder(stores.orders, `store-claim-${Date.now()}`, [{ ...sku, quantity: 1 }]);
    const at = new Date().toISOString();
    expect(await stores.orders.claimFulfilment(order.orderId, at)).toBeUndefined();
    await stores.orders.transition(order.orderId, { from: ['PENDING'], to: 'CONFIRMED', at });
    const claimed = await stores.orders.claimFulfilment(order.orderId, at);
    expect(claimed).toMatchObject({ status: 'CONFIRMED', fulfilmentClaimedAt: at });
    expect(await stores.orders.claimFulfilment(order.orderId, at)).toMatchObject({ status: 'CONFIRMED' });
    expect(await stores.orders.transition(order.orderId, { from: ['CONFIRMED'], to: 'CANCELLED', at, unclaimed: true })).toBeUndefined();
    expect(await stores.orders.get(order.orderId)).toEqual(claimed);
    expect(await stores.orders.transition(order.orderId, { from: ['CONFIRMED'], to: 'FULFILLED', at, fulfilmentReference: 'shp-1' })).toMatchObject({
      status: 'FULFILLED',
    });
  });
});
