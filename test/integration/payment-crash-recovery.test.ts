import { randomBytes } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import Stripe from 'stripe';
import { ulid } from 'ulid';
import { type ApiRequestRecord, StripeStandIn } from '../../local/partners/stripe/stripe-stand-in';
import { DynamoDbAuditLog } from '../../shared/adapters/dynamodb-audit-log';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbPaymentRecords } from '../../shared/adapters/dynamodb-payment-records';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { StripePaymentGateway } from '../../shared/adapters/stripe-payment-gateway';
import type { StoredOrder } from '../../shared/domain/orders/order';
import { receiveProviderRefund, type RefundRequest, refundOrder } from '../../shared/domain/orders/refund';
import { cancelOrRefundPayment, createPaymentIntent, markOrderFailed, releaseStock, reserveStock } from '../../shared/domain/orders/saga';
import { TransientError } from '../../shared/domain/orders/saga-errors';
import type { AuditEvent } from '../../shared/ports/audit-log';
import type { OrderRepository } from '../../shared/ports/order-repository';
import type { PaymentRecords } from '../../shared/ports/payment-records';
import type { ListPosition } from '../../shared/ports/cursor-codec';
import { dynamoDbClient, tableNamed, testEndpoints } from '../support/endpoints';
import { paidConfirmedOrder, pendingOrder, type ProbeSku, stockedSkus } from '../support/order-builders';
import { ORDER_STATUS_SHARDS } from '../support/runtime-stores';

/**
 * A crash injected after the Stripe call and before our write, then a retry, still yields one PaymentIntent and one
 * charge; a refund retried after a timeout refunds once. Real parts throughout: the runtime's DynamoDB Local tables
 * behind the real DynamoDB adapters, and the real StripePaymentGateway (the official SDK, its own retries included)
 * against a Stripe stand-in of this test, whose request log shows what the SDK sent and what was replayed.
 */

const API_KEY = `sk_test_crash_${randomBytes(12).toString('hex')}`;
/** Short, so a hung request costs half a second per attempt instead of the production 10 s. */
const TIMEOUT_MS = 500;
/** The gateway's production default: three attempts per call, all with the same idempotency key. */
const SDK_RETRIES = 2;
const QUANTITY = 2;
const UNIT_AMOUNT = 1250;

/** What a process dying between Stripe's answer and our write looks like to the step that was running. */
class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/** The adapter, unchanged, except that the first call of `method` dies before it writes anything. */
function crashingOnce<T extends object>(adapter: T, method: keyof T & string): T {
  let crashed = false;
  return new Proxy(adapter, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === method && !crashed) {
        return async () => {
          crashed = true;
          throw new SimulatedCrash(`crashed before ${method}`);
        };
      }
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('payment crash recovery: retries reach Stripe once', () => {
  const endpoints = testEndpoints();
  const dynamodb = dynamoDbClient(endpoints);
  const ordersTable = tableNamed(endpoints, 'OrdersTable');
  const orders = new DynamoDbOrderRepository(dynamodb, ordersTable, ORDER_STATUS_SHARDS);
  const records = new DynamoDbPaymentRecords(dynamodb, tableNamed(endpoints, 'PaymentsTable'));
  const catalog = new DynamoDbCatalogRepository(dynamodb, tableNamed(endpoints, 'CatalogTable'));
  const ledger = new DynamoDbStockLedger(dynamodb, tableNamed(endpoints, 'CatalogTable'), ordersTable, ORDER_STATUS_SHARDS);
  const audit = new DynamoDbAuditLog(dynamodb, tableNamed(endpoints, 'AuditTable'), 1);
  const now = () => new Date();
  const standIn = new StripeStandIn({ apiKey: API_KEY });
  /** The test's own view of the account (a storefront confirming, an operator listing): no retries, so it adds no requests of its own. */
  let stripe: Stripe;
  let payments: StripePaymentGateway;

  beforeAll(async () => {
    await standIn.start();
    stripe = new Stripe(API_KEY, { ...standIn.clientConfig(), maxNetworkRetries: 0 });
    payments = new StripePaymentGateway({ apiKey: async () => API_KEY, apiUrl: standIn.endpoint, timeoutMs: TIMEOUT_MS, maxNetworkRetries: SDK_RETRIES });
  });

  afterEach(() => standIn.clearFaults());

  afterAll(async () => {
    await standIn.stop();
    dynamodb.destroy();
  });

  async function freshSku(): Promise<ProbeSku> {
    const [probe] = (await stockedSkus(catalog, { prefix: 'CRASH', stock: 10, unitAmount: UNIT_AMOUNT })) as [ProbeSku];
    return probe;
  }

  /** A PENDING order whose stock ReserveStock held: where CreatePaymentIntent starts. */
  async function reservedOrder(): Promise<StoredOrder> {
    const probe = await freshSku();
    const order = await pendingOrder(orders, `customer-${probe.sku}`, [{ ...probe, quantity: QUANTITY }]);
    await reserveStock({ orders, stock: ledger, now, holdSeconds: 600 }, order.orderId);
    return order;
  }

  /** Every PaymentIntent at the stand-in made for this order, through the SDK's list. */
  async function intentsOf(orderId: string): Promise<Stripe.PaymentIntent[]> {
    return (await stripe.paymentIntents.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 })).filter((pi) => pi.metadata.orderId === orderId);
  }

  async function refundsOf(paymentIntentId: string): Promise<Stripe.Refund[]> {
    return stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }).autoPagingToArray({ limit: 10_000 });
  }

  /** The API requests made since `mark` (a length of the request log) to one method and path. */
  function requestsSince(mark: number, method: string, path: string): ApiRequestRecord[] {
    return standIn
      .requests()
      .slice(mark)
      .filter((r) => r.method === method && r.path === path);
  }

  /** The refund ids the order item holds (the adapter's set that makes recording a refund happen once). */
  async function recordedRefundIds(orderId: string): Promise<string[]> {
    const { Item } = await dynamodb.send(
      new GetItemCommand({ TableName: ordersTable, Key: { pk: { S: `ORDER#${orderId}` }, sk: { S: 'ORDER' } }, ConsistentRead: true }),
    );
    const ids = unmarshall(Item ?? {}).refundIds as Set<string> | undefined;
    return ids ? [...ids] : [];
  }

  /** The audit events about one order, oldest first (the log lists newest first, month by month). */
  async function auditOf(orderId: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    let after: ListPosition | undefined;
    for (let page = 0; page < 10; page++) {
      const listed = await audit.list({ limit: 100, ...(after ? { after } : {}) });
      events.push(...listed.items.filter((e) => e.target === `order:${orderId}`));
      after = listed.next;
      if (!after) break;
    }
    return events.reverse();
  }

  /**
   * The customer pays with pm_card_visa and the saga goes on (AwaitPayment, CommitOrder): the PaymentIntent has
   * exactly one charge, for the order's total, and the order ends CONFIRMED (so no hold is left for the sweeper).
   */
  async function payAndExpectOneCharge(order: StoredOrder, paymentIntentId: string): Promise<void> {
    const confirmed = await stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
    expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: order.total.amount });
    const charge = await stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: order.total.amount, payment_intent: paymentIntentId, refunded: false });
    const charged = standIn
      .events()
      .filter((e) => e.type === 'charge.succeeded' && (e.data.object as { payment_intent?: string }).payment_intent === paymentIntentId);
    expect(charged).toHaveLength(1);
    await orders.awaitPayment(order.orderId, 'no-execution-waits', now().toISOString());
    expect(await ledger.commit(order.orderId, now().toISOString())).toBe('committed');
  }

  describe('CreatePaymentIntent', () => {
    it.each<[string, (deps: { records: PaymentRecords; orders: OrderRepository }) => { records: PaymentRecords; orders: OrderRepository }]>([
      ['PaymentRecords.open', (real) => ({ ...real, records: crashingOnce(real.records, 'open') })],
      ['OrderRepository.attachPayment', (real) => ({ ...real, orders: crashingOnce(real.orders, 'attachPayment') })],
    ])(
      'a crash after Stripe answered, before %s wrote, then the step retried: one PaymentIntent, attached, PENDING, one charge',
      async (_where, crashing) => {
        const order = await reservedOrder();
        const deps = { ...crashing({ records, orders }), payments, now };
        const mark = standIn.requests().length;

        expect(await failure(createPaymentIntent(deps, order.orderId))).toBeInstanceOf(SimulatedCrash);
        const [created, ...others] = await intentsOf(order.orderId);
        expect(others).toHaveLength(0);
        expect((await orders.get(order.orderId))?.payment).toBeUndefined();

        // Step Functions retries the step that failed.
        const { paymentIntentId } = await createPaymentIntent(deps, order.orderId);

        expect(paymentIntentId).toBe(created?.id);
        expect((await intentsOf(order.orderId)).map((pi) => pi.id)).toEqual([paymentIntentId]);
        const sent = requestsSince(mark, 'POST', '/v1/payment_intents');
        expect(sent.map((r) => [r.status, r.replayed])).toEqual([
          [200, false],
          [200, true],
        ]);
        expect(sent[1]?.idempotencyKey).toBe(sent[0]?.idempotencyKey);
        expect(await orders.get(order.orderId)).toMatchObject({ status: 'RESERVED', payment: { provider: 'stripe', paymentIntentId } });
        expect(await records.get(paymentIntentId)).toMatchObject({ paymentIntentId, orderId: order.orderId, state: 'PENDING', amount: order.total });

        await payAndExpectOneCharge(order, paymentIntentId);
      },
      30_000,
    );

    it("a connection reset after Stripe created the PaymentIntent: the SDK's retry with the same key gets the saved one", async () => {
      const order = await reservedOrder();
      const mark = standIn.requests().length;
      const reset = standIn.injectFault({ method: 'POST', path: '/v1/payment_intents', fault: { kind: 'reset', when: 'after' } });

      const { paymentIntentId } = await createPaymentIntent({ orders, records, payments, now }, order.orderId);

      expect(reset.remaining).toBe(0);
      const sent = requestsSince(mark, 'POST', '/v1/payment_intents');
      expect(sent.map((r) => [r.status, r.replayed])).toEqual([
        ['reset', false],
        [200, true],
      ]);
      expect(sent[1]?.idempotencyKey).toBe(sent[0]?.idempotencyKey);
      expect((await intentsOf(order.orderId)).map((pi) => pi.id)).toEqual([paymentIntentId]);
      expect(await orders.get(order.orderId)).toMatchObject({ status: 'RESERVED', payment: { paymentIntentId } });
      expect(await records.get(paymentIntentId)).toMatchObject({ orderId: order.orderId, state: 'PENDING' });

      await payAndExpectOneCharge(order, paymentIntentId);
    }, 30_000);
  });

  describe('admin refund', () => {
    const reason = 'Parcel lost in transit';

    it.each<[string, (order: StoredOrder) => RefundRequest]>([
      ['the same amount and reason', (order) => ({ amount: order.total.amount, reason })],
      ['the same Idempotency-Key', () => ({ reason, idempotencyKey: ulid() })],
    ])(
      'timed out after the refund took effect, then retried with %s: refunded once, recorded once, REFUNDED, both attempts audited',
      async (_how, requestFor) => {
        const { order, paymentIntentId } = await paidConfirmedOrder(
          { orders, ledger, stripe },
          { ...(await freshSku()), customerId: `customer-${ulid()}`, quantity: QUANTITY },
        );
        expect((await orders.get(order.orderId))?.status).toBe('CONFIRMED');
        const request = requestFor(order);
        const admin = { sub: `admin-${ulid()}` };
        const deps = { orders, payments, audit, now };
        const mark = standIn.requests().length;
        // Every attempt of the SDK hangs after Stripe made the refund: the call gives up with no answer.
        const hang = standIn.injectFault({ method: 'POST', path: '/v1/refunds', times: SDK_RETRIES + 1, fault: { kind: 'hang', when: 'after' } });

        expect(await failure(refundOrder(deps, admin, order.orderId, request))).toBeInstanceOf(TransientError);
        expect(hang.remaining).toBe(0);
        const [made, ...more] = await refundsOf(paymentIntentId);
        expect(more).toHaveLength(0);
        expect(made).toMatchObject({ status: 'succeeded', amount: order.total.amount });
        expect(await orders.get(order.orderId)).toMatchObject({ status: 'CONFIRMED' });

        // The admin tries again.
        const refunded = await refundOrder(deps, admin, order.orderId, request);

        expect(refunded).toMatchObject({ status: 'REFUNDED', refunded: order.total });
        expect((await refundsOf(paymentIntentId)).map((r) => r.id)).toEqual([made?.id]);
        const sent = requestsSince(mark, 'POST', '/v1/refunds');
        expect(sent.map((r) => r.status)).toEqual([...Array.from({ length: SDK_RETRIES + 1 }, () => 'hang'), 200]);
        expect(sent.at(-1)?.replayed).toBe(true);
        expect(new Set(sent.map((r) => r.idempotencyKey)).size).toBe(1);
        const charge = await stripe.charges.retrieve((await stripe.paymentIntents.retrieve(paymentIntentId)).latest_charge as string);
        expect(charge).toMatchObject({ refunded: true, amount_refunded: order.total.amount });

        // Stripe's refund event reports the same refund: still recorded once.
        expect(
          await receiveProviderRefund(
            { orders, payments, now },
            { id: made?.id as string, amount: order.total.amount, status: 'succeeded', paymentIntentId, orderId: order.orderId },
          ),
        ).toBe('recorded');
        expect(await orders.get(order.orderId)).toMatchObject({ status: 'REFUNDED', refundedAmount: order.total.amount, payment: { status: 'refunded' } });
        expect(await recordedRefundIds(order.orderId)).toEqual([made?.id]);

        const audited = await auditOf(order.orderId);
        expect(audited.map((e) => [e.actor, e.action, e.outcome])).toEqual([
          [admin.sub, 'order.refund', 'failed'],
          [admin.sub, 'order.refund', 'succeeded'],
        ]);
        expect(audited[1]?.detail).toContain(`refund ${made?.id as string}`);
      },
      30_000,
    );
  });

  describe('CancelOrRefundPayment (compensation)', () => {
    it.each<[string, { resets: number; stepFails: boolean }]>([
      ["the SDK's retry after a reset gets the saved refund", { resets: 1, stepFails: false }],
      ['every SDK attempt reset: the step fails transiently and its retry gets the saved refund', { resets: SDK_RETRIES + 1, stepFails: true }],
    ])(
      'a paid order whose saga failed, the refund answer lost: %s; one refund',
      async (_how, { resets, stepFails }) => {
        const order = await reservedOrder();
        const { paymentIntentId } = await createPaymentIntent({ orders, records, payments, now }, order.orderId);
        await orders.awaitPayment(order.orderId, 'no-execution-waits', now().toISOString());
        await stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_visa' });
        // CommitOrder failed: the saga compensates.
        expect(await releaseStock({ stock: ledger, now }, order.orderId)).toEqual({ released: true });
        const mark = standIn.requests().length;
        standIn.injectFault({ method: 'POST', path: '/v1/refunds', times: resets, fault: { kind: 'reset', when: 'after' } });

        if (stepFails) expect(await failure(cancelOrRefundPayment({ orders, payments }, order.orderId))).toBeInstanceOf(TransientError);
        const { paymentStatus } = await cancelOrRefundPayment({ orders, payments }, order.orderId);

        expect(paymentStatus).toBe('refunded');
        const refunds = await refundsOf(paymentIntentId);
        expect(refunds.map((r) => [r.status, r.amount])).toEqual([['succeeded', order.total.amount]]);
        const sent = requestsSince(mark, 'POST', '/v1/refunds');
        expect(sent.map((r) => r.status)).toEqual([...Array.from({ length: resets }, () => 'reset'), 200]);
        expect(sent.at(-1)?.replayed).toBe(true);
        expect(new Set(sent.map((r) => r.idempotencyKey)).size).toBe(1);
        const charge = await stripe.charges.retrieve((await stripe.paymentIntents.retrieve(paymentIntentId)).latest_charge as string);
        expect(charge).toMatchObject({ refunded: true, amount_refunded: order.total.amount });
        expect(await markOrderFailed({ orders, now }, order.orderId, { Error: 'HoldExpired' }, paymentStatus)).toMatchObject({ status: 'FAILED' });
        expect(await orders.get(order.orderId)).toMatchObject({ status: 'FAILED', payment: { status: 'refunded' } });
      },
      30_000,
    );
  });
});
