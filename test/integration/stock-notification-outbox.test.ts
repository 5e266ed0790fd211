import { randomBytes } from 'node:crypto';
import { GetItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbProviderCircuits } from '../../shared/adapters/dynamodb-provider-circuits';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { DynamoDbStockNotificationOutbox } from '../../shared/adapters/dynamodb-stock-notification-outbox';
import type { NormalizedUpdate } from '../../shared/domain/inventory/normalize';
import { dynamoDbClient, stripeClient, tableNamed, testEndpoints } from '../support/endpoints';
import { pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { ORDER_STATUS_SHARDS } from '../support/runtime-stores';

/**
 * The outbox against DynamoDB Local: a sale (commit) or cancellation (restock) writes, in its own transaction, one
 * pending notice per provider owning any of the order's SKUs, with only that provider's lines; SKUs without a
 * source owe nothing; a repeated commit or restock writes nothing more; marking sent is once. The provider ids are
 * made up for this test, so the runtime's scheduled relay (which serves the stage's providers) leaves them alone.
 */
describe('stock notification outbox (DynamoDB Local)', () => {
  const endpoints = testEndpoints();
  const catalogTable = tableNamed(endpoints, 'CatalogTable');
  const dynamodb = dynamoDbClient(endpoints);
  const catalog = new DynamoDbCatalogRepository(dynamodb, catalogTable);
  const orders = new DynamoDbOrderRepository(dynamodb, tableNamed(endpoints, 'OrdersTable'), ORDER_STATUS_SHARDS);
  const ledger = new DynamoDbStockLedger(dynamodb, catalogTable, tableNamed(endpoints, 'OrdersTable'), ORDER_STATUS_SHARDS);
  const outbox = new DynamoDbStockNotificationOutbox(dynamodb, catalogTable);
  const stripe = stripeClient(endpoints);
  afterAll(() => dynamodb.destroy());

  const tag = randomBytes(3).toString('hex');
  const acme = `test-acme-${tag}`;
  const north = `test-north-${tag}`;

  /** As the inventory ledger leaves a SKU whose stock a provider reported. */
  const setSource = (sku: string, providerId: string) =>
    dynamodb.send(
      new UpdateItemCommand({
        TableName: catalogTable,
        Key: marshall({ pk: `SKU#${sku}`, sk: 'SKU' }),
        UpdateExpression: 'SET stockSource = :p, stockSourcePriority = :prio',
        ExpressionAttributeValues: marshall({ ':p': providerId, ':prio': 10 }),
      }),
    );

  /** Every outbox item of a provider, sent or not (consistent). */
  const outboxItems = async (providerId: string) =>
    (
      (
        await dynamodb.send(
          new QueryCommand({
            TableName: catalogTable,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: marshall({ ':pk': `OUTBOX#${providerId}` }),
            ConsistentRead: true,
          }),
        )
      ).Items ?? []
    ).map((i) => unmarshall(i));

  /** An order of these lines with its stock held (RESERVED). */
  async function heldOrder(lines: ReadonlyArray<ProbeSku & { quantity: number }>): Promise<string> {
    const order = await pendingOrder(orders, `customer-outbox-${tag}`, lines);
    expect(
      await ledger.reserve(
        order.orderId,
        lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        new Date(Date.now() + 600_000).toISOString(),
        new Date().toISOString(),
      ),
    ).toEqual({ outcome: 'reserved' });
    return order.orderId;
  }

  /**
   * An order of these lines held and paid, ready to commit, as the saga leaves it: a real PaymentIntent at the
   * runtime's Stripe stand-in, confirmed, so reconciliation (which reads the same tables) finds nothing amiss.
   */
  async function paidOrder(lines: ReadonlyArray<ProbeSku & { quantity: number }>): Promise<string> {
    const orderId = await heldOrder(lines);
    const amount = lines.reduce((sum, l) => sum + l.unitAmount * l.quantity, 0);
    const intent = await stripe.paymentIntents.create({ amount, currency: 'eur', metadata: { orderId } });
    const at = new Date().toISOString();
    await orders.attachPayment(orderId, { provider: 'stripe', paymentIntentId: intent.id, status: intent.status }, at);
    await orders.awaitPayment(orderId, 'no-execution-waits', at);
    await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    return orderId;
  }

  it('a sale owes one notice per owning provider, in the commit transaction; a cancellation owes its own', async () => {
    const [a1, a2, n1, own] = (await stockedSkus(catalog, { prefix: 'OUTBOX', count: 4, stock: 10 })) as [ProbeSku, ProbeSku, ProbeSku, ProbeSku];
    await setSource(a1.sku, acme);
    await setSource(a2.sku, acme);
    await setSource(n1.sku, north);
    const orderId = await paidOrder([
      { ...a1, quantity: 1 },
      { ...a2, quantity: 2 },
      { ...n1, quantity: 3 },
      { ...own, quantity: 4 },
    ]);
    expect(await outbox.pending(acme, 10)).toEqual([]);

    const committedAt = new Date().toISOString();
    expect(await ledger.commit(orderId, committedAt)).toBe('committed');
    expect(await outbox.pending(acme, 10)).toEqual([
      {
        notificationId: `sale-${orderId}-${acme}`,
        providerId: acme,
        kind: 'sale',
        orderId,
        lines: [
          { sku: a1.sku, quantity: 1 },
          { sku: a2.sku, quantity: 2 },
        ],
        at: committedAt,
      },
    ]);
    expect(await outbox.pending(north, 10)).toEqual([
      { notificationId: `sale-${orderId}-${north}`, providerId: north, kind: 'sale', orderId, lines: [{ sku: n1.sku, quantity: 3 }], at: committedAt },
    ]);

    // A retried commit changes nothing and owes nothing more.
    expect(await ledger.commit(orderId, new Date().toISOString())).toBe('already-committed');
    expect(await outboxItems(acme)).toHaveLength(1);

    const restockedAt = new Date(Date.now() + 1).toISOString();
    expect(await ledger.restock(orderId, restockedAt)).toBe('restocked');
    expect(await ledger.restock(orderId, new Date().toISOString())).toBe('not-committed');
    const pending = await outbox.pending(acme, 10);
    expect(pending.map((n) => [n.kind, n.notificationId])).toEqual([
      ['sale', `sale-${orderId}-${acme}`],
      ['cancellation', `cancellation-${orderId}-${acme}`],
    ]);
    expect(pending[1]?.lines).toEqual([
      { sku: a1.sku, quantity: 1 },
      { sku: a2.sku, quantity: 2 },
    ]);
    expect(await outboxItems(north)).toHaveLength(2);
  });

  it('an order of SKUs without a source owes nothing; a commit that does not happen writes no notice', async () => {
    const [own, sourced] = (await stockedSkus(catalog, { prefix: 'OUTBOX', count: 2, stock: 10 })) as [ProbeSku, ProbeSku];
    await setSource(sourced.sku, `${acme}-2`);
    const ownOrder = await paidOrder([{ ...own, quantity: 1 }]);
    expect(await ledger.commit(ownOrder, new Date().toISOString())).toBe('committed');

    // The hold is released (its saga failed) before a late commit: nothing is sold, nothing is owed.
    const released = await heldOrder([{ ...sourced, quantity: 1 }]);
    expect(await ledger.release(released, new Date().toISOString())).toBe('released');
    expect(await ledger.commit(released, new Date().toISOString())).toBe('not-held');
    expect(await outboxItems(`${acme}-2`)).toEqual([]);
    // As the saga's compensation leaves it, so nothing else finds an open order without a hold.
    await orders.transition(released, { from: ['RESERVED'], to: 'FAILED', at: new Date().toISOString(), failureReason: 'test: hold released' });
  });

  it('marking a notice sent takes it out of pending, once', async () => {
    const [sku] = (await stockedSkus(catalog, { prefix: 'OUTBOX', stock: 10 })) as [ProbeSku];
    const providerId = `${acme}-3`;
    await setSource(sku.sku, providerId);
    const orderId = await paidOrder([{ ...sku, quantity: 1 }]);
    await ledger.commit(orderId, new Date().toISOString());
    const [notice] = await outbox.pending(providerId, 10);
    expect(notice).toBeDefined();
    if (!notice) return;
    expect(await outbox.markSent(notice, new Date().toISOString())).toBe(true);
    expect(await outbox.markSent(notice, new Date().toISOString())).toBe(false);
    expect(await outbox.pending(providerId, 10)).toEqual([]);
    expect(await outboxItems(providerId)).toEqual([
      expect.objectContaining({ status: 'SENT', notificationId: notice.notificationId, sentAt: expect.any(String) }),
    ]);
  });

  it("a provider's report made before it heard of a sale does not put the sold units back: pending sales come off it", async () => {
    const [sku, other] = (await stockedSkus(catalog, { prefix: 'OUTBOX', count: 2, stock: 10 })) as [ProbeSku, ProbeSku];
    const provider = { providerId: `${acme}-5`, priority: 10 };
    const report = (version: number, onHand: number, target = sku): NormalizedUpdate => ({
      ...provider,
      eventId: `report-${tag}-${target.sku}-${version}`,
      externalSku: `EXT-${target.sku}`,
      sku: target.sku,
      onHand,
      version,
      occurredAt: new Date().toISOString(),
    });
    const inventory = new DynamoDbInventoryLedger(dynamodb, catalogTable);
    expect(await inventory.apply(report(1, 10), new Date().toISOString())).toMatchObject({ outcome: 'apply', after: 10 });
    expect(await inventory.apply(report(1, 10, other), new Date().toISOString())).toMatchObject({ outcome: 'apply', after: 10 });

    // Three units of sku and one of other sold; the provider, not yet told, still reports 10 of each.
    const orderId = await paidOrder([
      { ...sku, quantity: 3 },
      { ...other, quantity: 1 },
    ]);
    expect(await ledger.commit(orderId, new Date().toISOString())).toBe('committed');
    expect(await inventory.apply(report(2, 10), new Date().toISOString())).toMatchObject({
      outcome: 'apply',
      reported: 10,
      after: 7,
      reason: `less 3 sold and not yet told to ${provider.providerId}`,
    });
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: catalogTable, Key: marshall({ pk: `SKU#${sku.sku}`, sk: 'SKU' }), ConsistentRead: true }),
    );
    expect(unmarshall(Item ?? {})).toMatchObject({ onHand: 7, reserved: 0, available: 7 });

    // Once the notice is sent, the provider's count is its own again: it has taken the sale off.
    const [notice] = await outbox.pending(provider.providerId, 10);
    expect(notice?.lines).toEqual([
      { sku: sku.sku, quantity: 3 },
      { sku: other.sku, quantity: 1 },
    ]);
    expect(await outbox.markSent(notice as NonNullable<typeof notice>, new Date().toISOString())).toBe(true);
    expect(await inventory.apply(report(3, 7), new Date().toISOString())).toMatchObject({ outcome: 'apply', after: 7 });
    expect((await inventory.apply(report(4, 7), new Date().toISOString())).reason).toBeUndefined();
  });

  it('circuits: the CIRCUIT item decides isOpen until openUntil; a claim excludes a second run until released or expired', async () => {
    const circuits = new DynamoDbProviderCircuits(dynamodb, catalogTable);
    const providerId = `${acme}-4`;
    const now = new Date();
    expect(await circuits.isOpen(providerId, now)).toBe(false);
    await circuits.opened(providerId, new Date(now.getTime() + 30_000), now);
    expect(await circuits.isOpen(providerId, now)).toBe(true);
    expect(await circuits.isOpen(providerId, new Date(now.getTime() + 31_000))).toBe(false);
    await circuits.closed(providerId);
    expect(await circuits.isOpen(providerId, now)).toBe(false);

    expect(await circuits.claim(providerId, 'run-1', new Date(now.getTime() + 90_000), now)).toEqual({});
    expect(await circuits.claim(providerId, 'run-2', new Date(now.getTime() + 90_000), now)).toBeUndefined();
    await circuits.release(providerId, 'run-1', { ownState: { value: 0 }, breakerState: 3 });
    expect(await circuits.claim(providerId, 'run-2', new Date(now.getTime() + 90_000), now)).toEqual({ breaker: { ownState: { value: 0 }, breakerState: 3 } });
    // run-2 never releases (it died): its claim expires.
    expect(await circuits.claim(providerId, 'run-3', new Date(now.getTime() + 200_000), new Date(now.getTime() + 91_000))).toEqual({
      breaker: { ownState: { value: 0 }, breakerState: 3 },
    });
    // A late release by the run that lost its claim does not overwrite the state.
    await circuits.release(providerId, 'run-2', { stale: true });
    await circuits.release(providerId, 'run-3', { ownState: { value: 0 }, breakerState: 0 });
    expect(await circuits.claim(providerId, 'run-4', new Date(now.getTime() + 90_000), now)).toEqual({ breaker: { ownState: { value: 0 }, breakerState: 0 } });
  });
});
