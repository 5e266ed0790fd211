import { randomBytes } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { apiCaller } from '../support/api';
import { localCredentials, queueNamed, stripeClient, testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer, signIn } from '../support/identity';
import { paidConfirmedOrder, stockedSkus } from '../support/order-builders';
import { runtimeStores } from '../support/runtime-stores';
import { until } from '../support/until';

/**
 * The erasure run (EraseCustomers) against the local runtime, under its own role: a paid order not yet handed to
 * fulfilment (CONFIRMED) makes the request wait, retried by the queue, and once the order is fulfilled the run goes on:
 * the account is deleted, the order carries the pseudonym and expires after the stage's retention with its payment
 * record, and the fulfilment provider is told (docs/privacy.md, "Erasure").
 */
describe('the erasure run', () => {
  const endpoints = testEndpoints();
  const stores = runtimeStores(endpoints);
  const stripe = stripeClient(endpoints);
  const sqs = new SQSClient({ endpoint: endpoints.aws.sqs, region: endpoints.region, credentials: localCredentials });
  const call = apiCaller(endpoints.apiUrl);
  const fulfilment = endpoints.fulfilment as NonNullable<typeof endpoints.fulfilment>;

  afterAll(() => {
    stores.dynamodb.destroy();
    sqs.destroy();
  });

  const rawItem = async (table: string, key: Record<string, string>) => {
    const { Item } = await stores.dynamodb.send(new GetItemCommand({ TableName: stores.tableName(table), Key: marshall(key), ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  };

  it('waits while a paid order is not yet fulfilled, then erases the customer and pseudonymises the order', async () => {
    const client = cognitoClient();
    const customer = await newCustomer(client, 'erasure-run');
    const sub = String((await call('GET', '/me', customer.accessToken)).body.sub);
    const [sku] = await stockedSkus(stores.catalog, { prefix: 'ERASE', stock: 3 });
    const { order, paymentIntentId } = await paidConfirmedOrder(
      { orders: stores.orders, ledger: stores.ledger, stripe },
      { ...(sku as NonNullable<typeof sku>), customerId: sub, quantity: 1 },
    );
    expect((await stores.orders.get(order.orderId))?.status).toBe('CONFIRMED');

    const pseudonym = `erased-it-${randomBytes(6).toString('hex')}`;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueNamed(endpoints, 'ErasureRequestsQueue'),
        MessageBody: JSON.stringify({ type: 'ErasureRequested', customerId: sub, pseudonym, requestedAt: new Date().toISOString(), requestedBy: 'admin' }),
      }),
    );

    // The order is paid but not handed off: the run waits, erasing nothing.
    await new Promise((r) => setTimeout(r, 6_000));
    expect((await stores.orders.get(order.orderId))?.customerId).toBe(sub);
    await expect(signIn(client, customer)).resolves.toEqual(expect.any(String));

    // Fulfilment takes it: the next attempt erases.
    await stores.orders.transition(order.orderId, {
      from: ['CONFIRMED'],
      to: 'FULFILLED',
      at: new Date().toISOString(),
      fulfilmentReference: 'shp_erasure_it',
    });
    const signInError = await until(
      'the account to be deleted',
      async () => {
        try {
          await signIn(client, customer);
          return undefined;
        } catch (error) {
          return (error as Error).name;
        }
      },
      90_000,
      1_000,
    );
    client.destroy();
    expect(['NotAuthorizedException', 'UserNotFoundException']).toContain(signInError);

    const erased = await rawItem('OrdersTable', { pk: `ORDER#${order.orderId}`, sk: 'ORDER' });
    expect(erased).toMatchObject({ customerId: pseudonym, gsi1pk: `CUSTOMER#${pseudonym}`, totalAmount: order.total.amount, status: 'FULFILLED' });
    const purgeAt = Math.floor(Date.parse(order.createdAt) / 1000) + 30 * 86_400;
    expect(erased?.expiresAt).toBe(purgeAt);
    expect((await rawItem('PaymentsTable', { pk: `PI#${paymentIntentId}`, sk: 'PAYMENT' }))?.expiresAt).toBe(purgeAt);
    expect(await rawItem('OrdersTable', { pk: `ADDRESS#${sub}`, sk: 'DEFAULT' })).toBeUndefined();

    const notices = (await (await fetch(new URL('erasures', fulfilment.url), { headers: { authorization: `Bearer ${fulfilment.apiKey}` } })).json()) as {
      items: Array<{ reference: string; orderIds: string[] }>;
    };
    expect(notices.items).toContainEqual(expect.objectContaining({ reference: pseudonym, orderIds: [order.orderId] }));
  }, 150_000);
});
