import { randomUUID } from 'node:crypto';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { CloudAssembly, type TemplateResource } from '../../local/runtime/assembly';
import { generatedName } from '../../local/aws/service';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import type { ProviderRelayReport } from '../../shared/domain/inventory/relay-stock-notifications';
import type { ProviderSyncReport } from '../../shared/domain/inventory/sync-provider-stock';
import { apiCaller } from '../support/api';
import { dynamoDbClient, localCredentials, stripeClient, tableNamed, testEndpoints } from '../support/endpoints';
import { cognitoClient, newCustomer } from '../support/identity';
import { providerSales, sendInventoryWebhook, setProviderMode, setProviderStock } from '../support/inventory-provider';
import { paidConfirmedOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { until } from '../support/until';
import { ORDER_STATUS_SHARDS } from '../support/runtime-stores';

type Json = Record<string, unknown>;

/**
 * Stockade calling its inventory providers, end to end against the runtime and its provider stand-in. The outbox
 * relay (the runtime's function, invoked through the Lambda API as its schedule does) meets a provider that is down:
 * the circuit opens after the configured failures and its CIRCUIT item appears; while it is open, checkout refuses a
 * live-stock SKU of that provider (422, nothing written) and sells an ordinary SKU of the same provider on our stock;
 * once the provider is back and the circuit half-opens, every sale notice is delivered exactly once. Then the full
 * sync heals a SKU whose webhook was missed. One provider (north-supply, outbound: 3 attempts, 5 failures open the
 * circuit for 30 s) is used, in this one file, so its mode and snapshot are never changed by another test at once.
 */
describe('inventory providers, outbound: outbox relay, circuit breaker, checkout policy, full sync', () => {
  const endpoints = testEndpoints();
  const providerId = 'north-supply';
  const dynamodb = dynamoDbClient(endpoints);
  const catalogTable = tableNamed(endpoints, 'CatalogTable');
  const catalog = new DynamoDbCatalogRepository(dynamodb, catalogTable);
  const orders = new DynamoDbOrderRepository(dynamodb, tableNamed(endpoints, 'OrdersTable'), ORDER_STATUS_SHARDS);
  const ledger = new DynamoDbStockLedger(dynamodb, catalogTable, tableNamed(endpoints, 'OrdersTable'), ORDER_STATUS_SHARDS);
  const lambda = new LambdaClient({ endpoint: endpoints.aws.lambda, region: endpoints.region, credentials: localCredentials });
  const stripe = stripeClient(endpoints);
  const call = apiCaller(endpoints.apiUrl);
  let customer = '';

  const functions = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev').resourcesOfType('AWS::Lambda::Function');
  const functionNamed = (prefix: string) => generatedName(functions.find((r) => r.logicalId.startsWith(prefix)) as TemplateResource, 64);

  /** Runs a scheduled function once, as its schedule does, and returns its result. */
  async function invoke<T>(prefix: string): Promise<T> {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: functionNamed(prefix),
        Payload: Buffer.from(JSON.stringify({ source: 'aws.events', 'detail-type': 'Scheduled Event' })),
      }),
    );
    const payload = Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8');
    if (out.FunctionError) throw new Error(`${prefix} failed: ${payload}`);
    return JSON.parse(payload) as T;
  }
  const relay = async () =>
    (await invoke<{ providers: ProviderRelayReport[] }>('RelayStockNotifications')).providers.find((r) => r.providerId === providerId) as ProviderRelayReport;

  const item = async (pk: string, sk: string) => {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: catalogTable, Key: marshall({ pk, sk }), ConsistentRead: true }));
    return Item ? unmarshall(Item) : undefined;
  };
  const circuitItem = () => item(`PROVIDER#${providerId}`, 'CIRCUIT');
  const skuItem = async (sku: string) => (await item(`SKU#${sku}`, 'SKU')) as Json;
  /** The provider's outbox items of these orders (consistent). */
  async function outboxOf(orderIds: readonly string[]): Promise<Json[]> {
    const items: Json[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamodb.send(
        new QueryCommand({
          TableName: catalogTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: marshall({ ':pk': `OUTBOX#${providerId}` }),
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: marshall(start) } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
      start = page.LastEvaluatedKey ? unmarshall(page.LastEvaluatedKey) : undefined;
    } while (start);
    return items.filter((i) => orderIds.includes(String(i.orderId)));
  }

  /** SKUs whose stock north-supply reports (through its signed webhook and the consumer), as in production. */
  async function providerSkus(prefix: string, count: number, stock: number): Promise<ProbeSku[]> {
    const probes = await stockedSkus(catalog, { prefix, count, stock });
    const event = {
      eventId: `evt-${randomUUID()}`,
      occurredAt: new Date().toISOString(),
      updates: probes.map((p) => ({ externalSku: `NS:${p.sku}`, quantity: stock, version: 1 })),
    };
    expect(await sendInventoryWebhook(endpoints, providerId, event)).toMatchObject({ status: 202, body: { accepted: count } });
    for (const p of probes) await until(`${p.sku} to follow ${providerId}`, async () => ((await skuItem(p.sku)).stockSource === providerId ? true : undefined));
    return probes;
  }

  /** Checks out `sku` over the API and pays for it as a storefront does; resolves once the order is CONFIRMED or later. */
  async function buy(sku: string, quantity: number): Promise<string> {
    const accepted = await call('POST', '/checkout', customer, { items: [{ sku, quantity }] }, { 'Idempotency-Key': randomUUID() });
    expect(accepted.status).toBe(202);
    const orderId = String(accepted.body.orderId);
    const awaiting = await until(
      `order ${orderId} to await payment`,
      async () => {
        const order = (await call('GET', `/orders/${orderId}`, customer)).body as { status: string; payment?: { paymentIntentId: string } };
        return order.status === 'AWAITING_PAYMENT' ? order : undefined;
      },
      30_000,
    );
    await stripe.paymentIntents.confirm(awaiting.payment?.paymentIntentId as string, { payment_method: 'pm_card_visa' });
    await until(
      `order ${orderId} to be confirmed`,
      async () => (['CONFIRMED', 'FULFILLED'].includes(String((await call('GET', `/orders/${orderId}`, customer)).body.status)) ? true : undefined),
      30_000,
    );
    return orderId;
  }

  beforeAll(async () => {
    const client = cognitoClient();
    customer = (await newCustomer(client, 'provider-outbound')).accessToken;
    client.destroy();
  });
  afterAll(async () => {
    // Whatever happened, leave the provider answering for the rest of the suite.
    await setProviderMode(endpoints, providerId, 'up');
    dynamodb.destroy();
    lambda.destroy();
  });

  it('provider down: the circuit opens after the configured failures; live-stock SKUs are refused, ordinary ones sell; after recovery every notice arrives exactly once', async () => {
    const [live, plain] = [(await providerSkus('LIVE', 1, 10))[0] as ProbeSku, (await providerSkus('PLAIN', 1, 10))[0] as ProbeSku];
    expect(await circuitItem()).toBeUndefined();

    // A sale while the provider is down: its notice waits in the outbox.
    await setProviderMode(endpoints, providerId, 'down');
    const { order: first } = await paidConfirmedOrder({ orders, ledger, stripe }, { ...plain, customerId: 'customer-provider-outbound', quantity: 1 });
    expect(await outboxOf([first.orderId])).toEqual([
      expect.objectContaining({ status: 'PENDING', kind: 'sale', notificationId: `sale-${first.orderId}-${providerId}` }),
    ]);

    // Each run tries the oldest notice 3 times (attempts) and stops; 5 consecutive failures open the circuit, so it
    // opens during the second run that reaches the provider (the runtime's own schedule may take one of these runs).
    const outcomes: string[] = [];
    const opened = await until(
      'the circuit to open',
      async () => {
        outcomes.push((await relay()).outcome);
        return circuitItem();
      },
      60_000,
      0,
    );
    expect(outcomes).not.toContain('delivered');
    expect(outcomes.filter((o) => o === 'failed').length).toBeLessThanOrEqual(1);
    const openFor = Date.parse(String(opened.openUntil)) - Date.parse(String(opened.openedAt));
    expect(openFor).toBe(30_000);
    const skipped = await relay();
    expect(skipped).toMatchObject({ outcome: 'circuit-open', sent: 0 });
    expect(skipped.pending).toBeGreaterThanOrEqual(1);

    // While open: a live-stock SKU of this provider is refused, with nothing written; an ordinary one sells.
    const stockBefore = await skuItem(live.sku);
    const refused = await call('POST', '/checkout', customer, { items: [{ sku: live.sku, quantity: 1 }] }, { 'Idempotency-Key': randomUUID() });
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.body).toMatchObject({ status: 422, detail: `live stock unavailable for SKU ${live.sku}, try again later` });
    expect(((await call('GET', '/orders', customer)).body.items as Json[]).length).toBe(0);
    expect(await skuItem(live.sku)).toMatchObject({ onHand: stockBefore.onHand, reserved: stockBefore.reserved, version: stockBefore.version });

    // The provider comes back; the circuit stays open until openUntil, and our stock keeps selling meanwhile.
    await setProviderMode(endpoints, providerId, 'up');
    const second = await buy(plain.sku, 2);
    expect(Date.now()).toBeLessThan(Date.parse(String(opened.openUntil)));
    expect(await skuItem(plain.sku)).toMatchObject({ onHand: 7, reserved: 0 });

    // Half-open: the oldest notice is the trial; it succeeds, the circuit closes, every notice is delivered.
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(String(opened.openUntil)) - Date.now() + 200)));
    const mine = [first.orderId, second];
    await until(
      'every notice to be sent',
      async () => {
        await relay();
        const items = await outboxOf(mine);
        return items.length === 2 && items.every((i) => i.status === 'SENT') ? true : undefined;
      },
      60_000,
      500,
    );
    expect(await circuitItem()).toBeUndefined();
    const sold = await call('POST', '/checkout', customer, { items: [{ sku: live.sku, quantity: 1 }] }, { 'Idempotency-Key': randomUUID() });
    expect(sold.status).toBe(202);
    expect((await call('POST', `/orders/${String(sold.body.orderId)}/cancel`, customer)).status).toBe(200);

    const sales = await providerSales(endpoints, providerId);
    const received = sales.notifications.filter((n) => mine.includes(n.notification.orderId));
    const outbox = await outboxOf(mine);
    expect(received.map((r) => r.notification).sort((a, b) => a.at.localeCompare(b.at))).toEqual(
      outbox
        .map((i) => ({ notificationId: i.notificationId, providerId, kind: 'sale', orderId: i.orderId, lines: i.lines, at: i.at }))
        .sort((a, b) => String(a.at).localeCompare(String(b.at))),
    );
    expect(received.map((r) => r.deliveries)).toEqual([1, 1]);
    expect(sales.duplicates).toBe(0);
    expect(received.map((r) => r.notification.lines)).toEqual(expect.arrayContaining([[{ sku: plain.sku, quantity: 1 }], [{ sku: plain.sku, quantity: 2 }]]));
  }, 240_000);

  it('the full sync corrects a SKU whose webhook was missed', async () => {
    const [probe] = (await providerSkus('SYNC', 1, 5)) as [ProbeSku];
    expect(await skuItem(probe.sku)).toMatchObject({ onHand: 5, stockSource: providerId });
    // The provider's stock changes to 8 (version 2), and the webhook saying so never arrives.
    const { takenAt } = await setProviderStock(endpoints, providerId, [{ externalSku: `NS:${probe.sku}`, quantity: 8, version: 2 }]);

    const reports = (await invoke<{ providers: ProviderSyncReport[] }>('SyncProviderStock')).providers;
    expect(reports.find((r) => r.providerId === providerId)).toEqual({ providerId, outcome: 'synced', pages: 1, queued: 1, quarantined: 0 });
    await until(`${probe.sku} to be corrected`, async () => ((await skuItem(probe.sku)).onHand === 8 ? true : undefined), 30_000);
    expect(await skuItem(probe.sku)).toMatchObject({ onHand: 8, available: 8, stockSource: providerId });
    const history = await new DynamoDbInventoryLedger(dynamodb, catalogTable).history(probe.sku, 10);
    expect(history.find((e) => e.eventId === `sync-${providerId}-${takenAt}`)).toMatchObject({ outcome: 'apply', version: 2, before: 5, after: 8 });

    // A second sync of the same snapshot changes nothing.
    await invoke('SyncProviderStock');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await skuItem(probe.sku)).toMatchObject({ onHand: 8 });
  }, 120_000);
});
