import { randomBytes } from 'node:crypto';
import { CreateTableCommand, type CreateTableCommandInput, DeleteTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import Stripe from 'stripe';
import { ulid } from 'ulid';
import { CloudAssembly } from '../../local/runtime/assembly';
import { StripeStandIn } from '../../local/partners/stripe/stripe-stand-in';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb-audit-log';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbPaymentRecordLookup } from '../../shared/adapters/dynamodb-payment-record-lookup';
import { DynamoDbPaymentRecords } from '../../shared/adapters/dynamodb-payment-records';
import { DynamoDbReconciliationReports } from '../../shared/adapters/dynamodb-reconciliation-reports';
import { StripePaymentGateway } from '../../shared/adapters/stripe-payment-gateway';
import type { Money } from '../../shared/domain/model/money';
import { cancelOrder } from '../../shared/domain/orders/cancel';
import type { StoredOrder } from '../../shared/domain/orders/order';
import { receiveProviderRefund, refundOrder } from '../../shared/domain/orders/refund';
import { awaitPayment, cancelOrRefundPayment, createPaymentIntent, markOrderFailed, receivePaymentOutcome } from '../../shared/domain/orders/saga';
import { RECONCILIATION_ACTOR, reconcilePayments } from '../../shared/domain/payments/reconciliation';
import type { Discrepancy, ReconciliationReport, RemedyName } from '../../shared/ports/reconciliation-reports';
import { dynamoDbClient, testEndpoints } from '../support/endpoints';
import { FakeStock, FakeWaits } from '../support/order-fakes';
import { ORDER_STATUS_SHARDS } from '../support/runtime-stores';

const EVERY_REMEDY: readonly RemedyName[] = ['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order'];
const EUR = (amount: number): Money => ({ amount, currency: 'EUR' });

/**
 * Reconciliation with the real adapters, against a Stripe account and tables of its own: a StripeStandIn started
 * here (fresh account, no webhook endpoint: this test plays the webhook where a history needs one) and copies of the
 * template's orders, payments and audit tables on the runtime's DynamoDB Local. Sharing the runtime's would make
 * "nothing found" depend on every other suite. A clean history built through the saga, refund and cancel functions
 * finds nothing; each kind of discrepancy seeded on top of it is reported with its ids; the stage's remedies then
 * fix what they may, once.
 *
 * Each test runs the 72-hour window at least once: 73 hourly slices, each a Stripe list and a read of every status's
 * shards, 3-6 s alone and up to 25 s when the whole suite shares two cores, hence their two-minute timeouts.
 */
describe('payment reconciliation against Stripe and DynamoDB', () => {
  const endpoints = testEndpoints();
  const assembly = CloudAssembly.load(process.env.STOCKADE_TEST_CDK_OUT as string, 'dev');
  const dynamodb = dynamoDbClient(endpoints);
  const tag = randomBytes(4).toString('hex');
  const tables = { orders: `reconciliation-${tag}-orders`, payments: `reconciliation-${tag}-payments`, audit: `reconciliation-${tag}-audit` };
  const apiKey = `sk_test_reconciliation_${randomBytes(12).toString('hex')}`;
  const standIn = new StripeStandIn({ apiKey });
  let sdk: Stripe;

  const orders = new DynamoDbOrderRepository(dynamodb, tables.orders, ORDER_STATUS_SHARDS);
  const records = new DynamoDbPaymentRecords(dynamodb, tables.payments);
  const reports = new DynamoDbReconciliationReports(dynamodb, tables.payments);
  const audit = new DynamoDbAuditLog(dynamodb, tables.audit, 1);
  const waits = new FakeWaits();
  let gateway: StripePaymentGateway;
  /** The saga's, the admin's and the customer's dependencies; stock is the ledger's business, not reconciliation's. */
  let deps: {
    orders: DynamoDbOrderRepository;
    payments: StripePaymentGateway;
    records: DynamoDbPaymentRecords;
    waits: FakeWaits;
    audit: DynamoDbAuditLog;
    stock: FakeStock;
    now: () => Date;
  };
  const reconcile = (remedies: readonly RemedyName[]) =>
    reconcilePayments(
      {
        history: gateway,
        payments: gateway,
        orders,
        records,
        recordLookup: new DynamoDbPaymentRecordLookup(dynamodb, tables.payments),
        waits,
        reports,
        audit,
        now: () => new Date(),
      },
      { windowHours: 72, stuckAfterMinutes: 30, settleSeconds: 0, remedies },
    );

  /** The key schema and indexes of the template's table, so the copy cannot drift from what is deployed. */
  function definitionOf(prefix: string): Omit<CreateTableCommandInput, 'TableName'> {
    const table = assembly.resourcesOfType('AWS::DynamoDB::Table').find((r) => r.logicalId.startsWith(prefix));
    if (!table) throw new Error(`The template has no ${prefix}*`);
    const p = table.properties as Pick<CreateTableCommandInput, 'KeySchema' | 'AttributeDefinitions' | 'GlobalSecondaryIndexes'>;
    return {
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(p.GlobalSecondaryIndexes?.length
        ? { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })) }
        : {}),
    };
  }

  beforeAll(async () => {
    await standIn.start();
    sdk = new Stripe(apiKey, { ...standIn.clientConfig(), maxNetworkRetries: 0 });
    gateway = new StripePaymentGateway({ apiKey: async () => apiKey, apiUrl: standIn.endpoint });
    deps = { orders, payments: gateway, records, waits, audit, stock: new FakeStock(), now: () => new Date() };
    const copies: Array<[string, string]> = [
      [tables.orders, 'OrdersTable'],
      [tables.payments, 'PaymentsTable'],
      [tables.audit, 'AuditTable'],
    ];
    await Promise.all(
      copies.map(async ([name, prefix]) => {
        await dynamodb.send(new CreateTableCommand({ TableName: name, ...definitionOf(prefix) }));
        await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: name });
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(Object.values(tables).map((name) => dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined)));
    await standIn.stop();
    dynamodb.destroy();
  });

  interface Placed {
    readonly orderId: string;
    readonly paymentIntentId: string;
    readonly token: string;
  }

  /** An order as checkout writes it and the saga leaves it waiting for payment: RESERVED, PaymentIntent made and recorded. */
  async function awaiting(total: Money = EUR(2400), createdAt = new Date()): Promise<Placed> {
    const orderId = ulid();
    const at = createdAt.toISOString();
    const quantity = 2;
    const unitPrice = { amount: total.amount / quantity, currency: total.currency };
    const order: StoredOrder = {
      orderId,
      customerId: `reconciliation-${tag}`,
      status: 'PENDING',
      lines: [{ sku: `RECON-${tag}-${orderId.slice(-4)}`, productId: ulid(), vendorId: 'vendor-recon', quantity, unitPrice, lineTotal: total }],
      total,
      createdAt: at,
      updatedAt: at,
    };
    expect(await orders.createOnce(order, { idempotencyKey: `direct-${orderId}`, requestHash: 'direct' })).toEqual({ created: true });
    expect(await orders.transition(orderId, { from: ['PENDING'], to: 'RESERVED', at: new Date().toISOString() })).toBeDefined();
    const { paymentIntentId } = await createPaymentIntent(deps, orderId);
    const token = `token-${orderId}`;
    await awaitPayment(deps, orderId, token);
    return { orderId, paymentIntentId, token };
  }
  /** The customer pays with Stripe.js's test card. */
  const pay = (placed: Placed, card = 'pm_card_visa') => sdk.paymentIntents.confirm(placed.paymentIntentId, { payment_method: card });
  /** What the webhook consumer does with the PaymentIntent's event. */
  async function webhook(placed: Placed): Promise<void> {
    const pi = await sdk.paymentIntents.retrieve(placed.paymentIntentId);
    const kind = pi.status === 'succeeded' ? 'succeeded' : pi.status === 'canceled' ? 'canceled' : 'failed';
    await receivePaymentOutcome(deps, placed.orderId, {
      kind,
      paymentIntentId: pi.id,
      amount: pi.amount,
      currency: pi.currency,
      ...(kind === 'failed' ? { reason: pi.last_payment_error?.decline_code ?? 'declined' } : {}),
    });
  }
  /** CommitOrder's status change (its stock side is the ledger's). */
  async function confirm(placed: Placed): Promise<void> {
    expect(
      await orders.transition(placed.orderId, { from: ['AWAITING_PAYMENT'], to: 'CONFIRMED', at: new Date().toISOString(), paymentStatus: 'succeeded' }),
    ).toBeDefined();
  }
  async function paidOrder(total: Money = EUR(2400)): Promise<Placed> {
    const placed = await awaiting(total);
    await pay(placed);
    await webhook(placed);
    await confirm(placed);
    return placed;
  }
  const refundsOf = async (paymentIntentId: string) => (await sdk.refunds.list({ payment_intent: paymentIntentId, limit: 100 })).data.map((r) => r.amount);
  const ids = (ds: readonly Discrepancy[]) => ds.map((d) => [d.kind, d.orderId, d.paymentIntentId].join(' ')).sort();

  const clean: Record<string, Placed> = {};
  /** The discrepancies seeded on the clean history, by what is wrong. */
  interface Seeded {
    readonly failedPaid: Placed;
    readonly confirmedUnpaid: Placed;
    readonly amountOff: Placed;
    readonly currencyOff: Placed;
    readonly refundDrift: Placed;
    readonly stuck: Placed;
    readonly missed: Placed;
    readonly orphan: Placed;
    /** A second PaymentIntent for the orphan's order. */
    readonly stray: { readonly orderId: string; readonly paymentIntentId: string };
  }
  let seeded: Seeded | undefined;
  const ghost = { orderId: ulid(), paymentIntentId: '' };

  it('finds nothing on a clean history: paid, partly and wholly refunded, retried after a decline, abandoned, cancelled, waiting', async () => {
    clean.paid = await paidOrder();
    clean.partlyRefunded = await paidOrder(EUR(5000));
    await refundOrder(deps, { sub: 'admin' }, clean.partlyRefunded.orderId, { amount: 900, reason: 'one chipped' });
    clean.refunded = await paidOrder(EUR(3000));
    await refundOrder(deps, { sub: 'admin' }, clean.refunded.orderId, { reason: 'returned' });
    clean.retried = await awaiting();
    await expect(pay(clean.retried, 'pm_card_chargeDeclined')).rejects.toMatchObject({ code: 'card_declined' });
    await webhook(clean.retried);
    await pay(clean.retried);
    await webhook(clean.retried);
    await confirm(clean.retried);
    // Never paid: the saga's compensation canceled the PaymentIntent and failed the order; the canceled event came.
    clean.abandoned = await awaiting();
    const { paymentStatus } = await cancelOrRefundPayment(deps, clean.abandoned.orderId);
    await markOrderFailed(deps, clean.abandoned.orderId, { Error: 'HoldExpired' }, paymentStatus);
    await webhook(clean.abandoned);
    // Paid, then cancelled by the customer: refunded, and the refund's event recorded on the order.
    clean.cancelled = await paidOrder();
    await cancelOrder(deps, `reconciliation-${tag}`, clean.cancelled.orderId);
    const [refund] = (await sdk.refunds.list({ payment_intent: clean.cancelled.paymentIntentId })).data;
    await receiveProviderRefund(deps, {
      id: refund?.id as string,
      amount: refund?.amount as number,
      status: refund?.status as string,
      paymentIntentId: clean.cancelled.paymentIntentId,
      orderId: refund?.metadata?.orderId as string,
    });
    clean.waiting = await awaiting();

    const statuses = await Promise.all(Object.values(clean).map(async (p) => (await orders.get(p.orderId))?.status));
    expect(statuses).toEqual(['CONFIRMED', 'CONFIRMED', 'REFUNDED', 'CONFIRMED', 'FAILED', 'CANCELLED', 'AWAITING_PAYMENT']);
    expect((await orders.get(clean.cancelled.orderId))?.refundedAmount).toBe(2400);

    const report = await reconcile(EVERY_REMEDY);
    expect(report.discrepancies).toEqual([]);
    expect(report.checked).toBe(7 + 7);
    expect(await reports.latest()).toEqual(report);
    const runs = (await audit.list({ limit: 50 })).items.filter((e) => e.action === 'reconciliation.run');
    expect(runs).toEqual([
      expect.objectContaining({ actor: RECONCILIATION_ACTOR, outcome: 'succeeded', detail: expect.stringMatching(/^14 checked from .*; 0 discrepancies$/) }),
    ]);
  }, 120_000);

  it('reports every kind of discrepancy seeded on top of it, with its order and PaymentIntent', async () => {
    expect(Object.keys(clean)).toHaveLength(7);
    // Money taken for an order that does not exist.
    const intent = await sdk.paymentIntents.create({ amount: 3100, currency: 'eur', metadata: { orderId: ghost.orderId } });
    await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    ghost.paymentIntentId = intent.id;
    // Money taken for an order that then failed, its compensation not (yet) through and its webhook lost.
    const failedPaid = await awaiting();
    await pay(failedPaid);
    await markOrderFailed(deps, failedPaid.orderId, { Error: 'CommitFailed' });
    // Confirmed although its PaymentIntent never succeeded.
    const confirmedUnpaid = await awaiting();
    await confirm(confirmedUnpaid);
    // Paid another amount, or in another currency, than the order it confirmed.
    const amountOff = await awaiting(EUR(4000));
    await sdk.paymentIntents.update(amountOff.paymentIntentId, { amount: 3500 });
    const currencyOff = await awaiting(EUR(4000));
    await sdk.paymentIntents.update(currencyOff.paymentIntentId, { currency: 'usd' });
    for (const off of [amountOff, currencyOff]) {
      await pay(off);
      await webhook(off);
      await confirm(off);
    }
    expect(waits.answers.filter((a) => a.kind === 'fail' && a.error === 'PaymentMismatch').map((a) => a.token)).toEqual([amountOff.token, currencyOff.token]);
    // Refunded in the Stripe dashboard; its event never reached the order.
    const refundDrift = await paidOrder();
    await sdk.refunds.create({ payment_intent: refundDrift.paymentIntentId, amount: 700 });
    // Waiting for its payment for 45 minutes.
    const stuck = await awaiting(EUR(2400), new Date(Date.now() - 45 * 60_000));
    // Paid at Stripe; the webhook never came.
    const missed = await awaiting();
    await pay(missed);
    // Failed without its PaymentIntent canceled; and a second PaymentIntent for it, left open.
    const orphan = await awaiting();
    await markOrderFailed(deps, orphan.orderId, { Error: 'HoldExpired' });
    const stray = await sdk.paymentIntents.create({ amount: 2400, currency: 'eur', metadata: { orderId: orphan.orderId } });
    seeded = {
      failedPaid,
      confirmedUnpaid,
      amountOff,
      currencyOff,
      refundDrift,
      stuck,
      missed,
      orphan,
      stray: { orderId: orphan.orderId, paymentIntentId: stray.id },
    };

    const report = await reconcile([]);
    expect(ids(report.discrepancies)).toEqual(
      ids([
        { kind: 'paid-without-order', orderId: ghost.orderId, paymentIntentId: ghost.paymentIntentId, detail: '' },
        { kind: 'paid-without-order', orderId: failedPaid.orderId, paymentIntentId: failedPaid.paymentIntentId, detail: '' },
        { kind: 'missed-payment-outcome', orderId: failedPaid.orderId, paymentIntentId: failedPaid.paymentIntentId, detail: '' },
        { kind: 'confirmed-without-payment', orderId: confirmedUnpaid.orderId, paymentIntentId: confirmedUnpaid.paymentIntentId, detail: '' },
        { kind: 'amount-mismatch', orderId: amountOff.orderId, paymentIntentId: amountOff.paymentIntentId, detail: '' },
        { kind: 'currency-mismatch', orderId: currencyOff.orderId, paymentIntentId: currencyOff.paymentIntentId, detail: '' },
        { kind: 'refund-drift', orderId: refundDrift.orderId, paymentIntentId: refundDrift.paymentIntentId, detail: '' },
        { kind: 'stuck-awaiting-payment', orderId: stuck.orderId, paymentIntentId: stuck.paymentIntentId, detail: '' },
        { kind: 'missed-payment-outcome', orderId: missed.orderId, paymentIntentId: missed.paymentIntentId, detail: '' },
        { kind: 'orphaned-payment-intent', orderId: orphan.orderId, paymentIntentId: orphan.paymentIntentId, detail: '' },
        { kind: 'orphaned-payment-intent', orderId: orphan.orderId, paymentIntentId: stray.id, detail: '' },
      ]),
    );
    const detail = (kind: Discrepancy['kind'], paymentIntentId: string) =>
      report.discrepancies.find((d) => d.kind === kind && d.paymentIntentId === paymentIntentId)?.detail;
    expect(detail('paid-without-order', ghost.paymentIntentId)).toBe(`3100 eur taken; order ${ghost.orderId} does not exist`);
    expect(detail('amount-mismatch', amountOff.paymentIntentId)).toBe('Stripe took 3500; the order total is 4000 (EUR)');
    expect(detail('currency-mismatch', currencyOff.paymentIntentId)).toBe('Stripe took USD; the order is in EUR');
    expect(detail('refund-drift', refundDrift.paymentIntentId)).toBe('Stripe refunded 700; the order records 0 refunded');
    expect(detail('missed-payment-outcome', missed.paymentIntentId)).toBe(
      "Stripe says succeeded; Stockade's payment record is PENDING (order AWAITING_PAYMENT)",
    );
    expect(report.discrepancies.every((d) => d.remedy === undefined)).toBe(true);
    // 7 + 8 orders; their 15 PaymentIntents, the ghost's and the stray.
    expect(report.checked).toBe(15 + 17);
    expect(await reports.latest()).toEqual(report);
  }, 120_000);

  it("applies the stage's remedies once: the orphans canceled, the money refunded, the missed outcome applied; audited; the next run finds them fixed", async () => {
    const { failedPaid, missed, orphan, stray, confirmedUnpaid, amountOff, currencyOff, refundDrift, stuck } = seeded as Seeded;
    const report = await reconcile(EVERY_REMEDY);
    const remedies = Object.fromEntries(
      report.discrepancies.filter((d) => d.remedy).map((d) => [`${d.kind} ${d.paymentIntentId}`, [d.remedy?.name, d.remedy?.outcome, d.remedy?.detail]]),
    );
    expect(remedies).toEqual({
      [`paid-without-order ${ghost.paymentIntentId}`]: ['refund-paid-without-order', 'applied', expect.stringMatching(/^refund re_\w+ succeeded$/)],
      [`paid-without-order ${failedPaid.paymentIntentId}`]: ['refund-paid-without-order', 'applied', expect.stringMatching(/^refund re_\w+ succeeded$/)],
      [`missed-payment-outcome ${failedPaid.paymentIntentId}`]: ['apply-missed-payment-outcome', 'applied', 'applied as the webhook would have been: refunded'],
      [`missed-payment-outcome ${missed.paymentIntentId}`]: ['apply-missed-payment-outcome', 'applied', 'applied as the webhook would have been: resumed'],
      [`orphaned-payment-intent ${orphan.paymentIntentId}`]: ['cancel-orphaned-payment-intent', 'applied', 'PaymentIntent is now canceled'],
      [`orphaned-payment-intent ${stray.paymentIntentId}`]: ['cancel-orphaned-payment-intent', 'applied', 'PaymentIntent is now canceled'],
    });
    expect(report.discrepancies).toHaveLength(11);

    expect(await refundsOf(ghost.paymentIntentId)).toEqual([3100]);
    expect(await refundsOf(failedPaid.paymentIntentId)).toEqual([2400]);
    expect((await sdk.paymentIntents.retrieve(orphan.paymentIntentId)).status).toBe('canceled');
    expect((await sdk.paymentIntents.retrieve(stray.paymentIntentId)).status).toBe('canceled');
    expect(await records.get(missed.paymentIntentId)).toMatchObject({ state: 'SUCCEEDED', decidedBy: 'reconciliation', orderId: missed.orderId });
    expect((await orders.get(missed.orderId))?.paymentOutcome).toMatchObject({ kind: 'succeeded', paymentIntentId: missed.paymentIntentId, amount: 2400 });
    expect(waits.answers).toContainEqual({ token: missed.token, kind: 'succeed' });
    // The failed order's compensation, retried now, sends the very refund the remedy sent: answered, not repeated.
    expect(await cancelOrRefundPayment(deps, failedPaid.orderId)).toEqual({ paymentStatus: 'refunded' });
    expect(await refundsOf(failedPaid.paymentIntentId)).toEqual([2400]);

    const events = (await audit.list({ limit: 100 })).items.filter((e) => e.action.startsWith('reconciliation.') && e.action !== 'reconciliation.run');
    expect(events.map((e) => [e.actor, e.action, e.target, e.outcome]).sort()).toEqual(
      [
        [RECONCILIATION_ACTOR, 'reconciliation.refund-paid-without-order', `order:${ghost.orderId}`, 'succeeded'],
        [RECONCILIATION_ACTOR, 'reconciliation.refund-paid-without-order', `order:${failedPaid.orderId}`, 'succeeded'],
        [RECONCILIATION_ACTOR, 'reconciliation.apply-missed-payment-outcome', `order:${failedPaid.orderId}`, 'succeeded'],
        [RECONCILIATION_ACTOR, 'reconciliation.apply-missed-payment-outcome', `order:${missed.orderId}`, 'succeeded'],
        [RECONCILIATION_ACTOR, 'reconciliation.cancel-orphaned-payment-intent', `order:${orphan.orderId}`, 'succeeded'],
        [RECONCILIATION_ACTOR, 'reconciliation.cancel-orphaned-payment-intent', `order:${orphan.orderId}`, 'succeeded'],
      ].sort(),
    );

    const again: ReconciliationReport = await reconcile(EVERY_REMEDY);
    expect(ids(again.discrepancies)).toEqual(
      ids([
        { kind: 'confirmed-without-payment', orderId: confirmedUnpaid.orderId, paymentIntentId: confirmedUnpaid.paymentIntentId, detail: '' },
        { kind: 'amount-mismatch', orderId: amountOff.orderId, paymentIntentId: amountOff.paymentIntentId, detail: '' },
        { kind: 'currency-mismatch', orderId: currencyOff.orderId, paymentIntentId: currencyOff.paymentIntentId, detail: '' },
        { kind: 'refund-drift', orderId: refundDrift.orderId, paymentIntentId: refundDrift.paymentIntentId, detail: '' },
        { kind: 'stuck-awaiting-payment', orderId: stuck.orderId, paymentIntentId: stuck.paymentIntentId, detail: '' },
      ]),
    );
    expect(again.discrepancies.every((d) => d.remedy === undefined)).toBe(true);
    expect(await refundsOf(failedPaid.paymentIntentId)).toEqual([2400]);
    expect(await refundsOf(ghost.paymentIntentId)).toEqual([3100]);
    expect(await reports.latest()).toEqual(again);
  }, 120_000);
});
