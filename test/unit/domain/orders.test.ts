import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { setCartItem } from '../../../shared/domain/cart/cart';
import { BusinessRuleError, ConflictError, NotFoundError, ValidationError } from '../../../shared/domain/errors';
import { checkout, fingerprint } from '../../../shared/domain/orders/checkout';
import { handOffOrder } from '../../../shared/domain/orders/fulfilment';
import { orderView, type StoredOrder } from '../../../shared/domain/orders/order';
import { getOrder, pollOrder } from '../../../shared/domain/orders/queries';
import {
  awaitPayment,
  cancelOrRefundPayment,
  createPaymentIntent,
  markOrderFailed,
  receivePaymentOutcome,
  sweepExpiredHolds,
} from '../../../shared/domain/orders/saga';
import { failureReason, TransientError } from '../../../shared/domain/orders/saga-errors';
import { applyPaymentEvent, paymentOutcomeOf, receiveWebhook, STRIPE_WEBHOOK_EVENTS } from '../../../shared/domain/payments/receive-webhook';
import type { PaymentEventLedger, ProviderEvent } from '../../../shared/ports/payment-events';
import { shopCatalog } from '../../support/catalog-fixtures';
import { FakeCarts } from '../../support/fakes';
import { FakeAuditLog, FakeOrders, FakePayments, FakeStock, FakeWaits, FakePaymentRecords, freeShippingTo } from '../../support/order-fakes';
import { cancelOrder, cancelOwnOrder } from '../../../shared/domain/orders/cancel';
import { receiveChargeRefunded, recordRefundOnOrder, refundOrder } from '../../../shared/domain/orders/refund';
import type { AuditEvent } from '../../../shared/ports/audit-log';
import { commitOrder, reserveStock } from '../../../shared/domain/orders/saga';

const now = () => new Date('2026-11-22T10:00:00Z');
let ids = 0;
const newId = () => `01JORDER${String(ids++).padStart(18, '0')}`;

async function setup() {
  const { catalog } = await shopCatalog(now, newId);
  const orders = new FakeOrders();
  const carts = new FakeCarts();
  const started: string[] = [];
  const deps = { orders, carts, catalog, workflow: { start: async (id: string) => void started.push(id) }, now, newId, ...freeShippingTo(['c1', 'c2']) };
  return { deps, orders, carts, catalog, started };
}

describe('checkout', () => {
  it('prices every line from the catalog, creates the order PENDING and starts the saga named by the order id', async () => {
    const { deps, orders, started } = await setup();
    const result = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000001', {
      items: [
        { sku: 'MUG', quantity: 2 },
        { sku: 'CANDLE', quantity: 1 },
      ],
    });
    expect(result.status).toBe('PENDING');
    expect(started).toEqual([result.orderId]);
    const order = orders.orders.get(result.orderId) as StoredOrder;
    expect(order.lines.map((l) => [l.sku, l.vendorId, l.quantity, l.unitPrice.amount, l.lineTotal.amount])).toEqual([
      ['MUG', 'v1', 2, 1800, 3600],
      ['CANDLE', 'v2', 1, 1450, 1450],
    ]);
    expect(order.total).toEqual({ amount: 5050, currency: 'EUR' });
  });

  it('the same key and body return the same order (and start the same execution again); another body is a conflict', async () => {
    const { deps, orders, started } = await setup();
    const body = { items: [{ sku: 'MUG', quantity: 1 }] };
    const first = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000002', body);
    const again = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000002', { items: [{ quantity: 1, sku: 'MUG' }] });
    expect(again.orderId).toBe(first.orderId);
    expect(orders.orders.size).toBe(1);
    expect(started).toEqual([first.orderId, first.orderId]);
    await expect(
      checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000002', { items: [{ sku: 'MUG', quantity: 2 }] }),
    ).rejects.toBeInstanceOf(ConflictError);
    // Keys belong to a customer: another customer's same key is another order.
    expect((await checkout(deps, { customerId: 'c2', email: 'c2@example.test' }, 'key-0000000000000002', body)).orderId).not.toBe(first.orderId);
  });

  it('checks out the cart when no items are given, and empties it', async () => {
    const { deps, carts, orders } = await setup();
    await setCartItem({ carts, catalog: deps.catalog, now }, 'c1', 'CANDLE', 2);
    const { orderId } = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000003', {});
    expect(orders.orders.get(orderId)?.total).toEqual({ amount: 2900, currency: 'EUR' });
    expect(await carts.get('c1')).toBeUndefined();
    await expect(checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000004', {})).rejects.toThrow('The cart is empty');
  });

  it('refuses unknown SKUs, two currencies, duplicate lines and more than is available, creating nothing', async () => {
    const { deps, orders, started } = await setup();
    await expect(
      checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000005', { items: [{ sku: 'NOPE', quantity: 1 }] }),
    ).rejects.toBeInstanceOf(BusinessRuleError);
    await expect(
      checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000006', {
        items: [
          { sku: 'MUG', quantity: 1 },
          { sku: 'HAT', quantity: 1 },
        ],
      }),
    ).rejects.toBeInstanceOf(BusinessRuleError);
    await expect(
      checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000007', {
        items: [
          { sku: 'MUG', quantity: 1 },
          { sku: 'MUG', quantity: 1 },
        ],
      }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-0000000000000008', { items: [{ sku: 'MUG', quantity: 4 }] }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(orders.orders.size).toBe(0);
    expect(started).toEqual([]);
  });

  it('fingerprints a request independently of key order', () => {
    expect(fingerprint({ items: [{ sku: 'A', quantity: 1 }] })).toBe(fingerprint({ items: [{ quantity: 1, sku: 'A' }] }));
    expect(fingerprint({})).not.toBe(fingerprint({ items: [{ sku: 'A', quantity: 1 }] }));
  });
});

describe('the saga steps around the payment', () => {
  async function reservedOrder() {
    const { deps, orders } = await setup();
    const { orderId } = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, `key-${newId()}`, { items: [{ sku: 'MUG', quantity: 1 }] });
    await orders.transition(orderId, { from: ['PENDING'], to: 'RESERVED', at: now().toISOString() });
    const payments = new FakePayments();
    const waits = new FakeWaits();
    const records = new FakePaymentRecords();
    return { orderId, orders, payments, waits, records, stepDeps: { orders, payments, records, waits, now } };
  }

  it('creates one PaymentIntent per order however often the step runs, and shows the client secret only while awaiting payment', async () => {
    const { orderId, orders, payments, stepDeps } = await reservedOrder();
    const first = await createPaymentIntent(stepDeps, orderId);
    const again = await createPaymentIntent(stepDeps, orderId);
    expect(again).toEqual(first);
    expect(payments.intents.size).toBe(1);
    expect(orderView(orders.orders.get(orderId) as StoredOrder).payment?.clientSecret).toBeUndefined();
    await awaitPayment(stepDeps, orderId, 'token-1');
    expect(orderView(orders.orders.get(orderId) as StoredOrder).payment?.clientSecret).toBe('secret');
  });

  it('a webhook before the wait is answered as soon as the wait begins; after it, at once', async () => {
    const early = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(early.stepDeps, early.orderId);
    expect(await receivePaymentOutcome(early.stepDeps, early.orderId, { kind: 'succeeded', paymentIntentId, amount: 1800, currency: 'eur' })).toBe('recorded');
    expect(early.waits.answers).toEqual([]);
    await awaitPayment(early.stepDeps, early.orderId, 'token-early');
    expect(early.waits.answers).toEqual([{ token: 'token-early', kind: 'succeed' }]);

    const late = await reservedOrder();
    const pi = await createPaymentIntent(late.stepDeps, late.orderId);
    await awaitPayment(late.stepDeps, late.orderId, 'token-late');
    expect(
      await receivePaymentOutcome(late.stepDeps, late.orderId, {
        kind: 'failed',
        paymentIntentId: pi.paymentIntentId,
        amount: 1800,
        currency: 'eur',
        reason: 'card_declined',
      }),
    ).toBe('resumed');
    expect(late.waits.answers).toEqual([{ token: 'token-late', kind: 'fail', error: 'PaymentDeclined', cause: expect.stringContaining('card_declined') }]);
    // The first outcome stands: a later one changes nothing.
    await receivePaymentOutcome(late.stepDeps, late.orderId, { kind: 'succeeded', paymentIntentId: pi.paymentIntentId, amount: 1800, currency: 'eur' });
    expect(late.orders.orders.get(late.orderId)?.paymentOutcome?.kind).toBe('failed');
  });

  it('a report the saga already took is recorded, not counted as resuming it again', async () => {
    const { orderId, stepDeps, waits } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    await awaitPayment(stepDeps, orderId, 't');
    const declined = { kind: 'failed' as const, paymentIntentId, amount: 1800, currency: 'eur', reason: 'card_declined' };
    expect(await receivePaymentOutcome(stepDeps, orderId, declined)).toBe('resumed');
    // Compensation has not moved the order on yet: it still holds the token, which Step Functions now refuses.
    expect(await receivePaymentOutcome(stepDeps, orderId, declined)).toBe('recorded');
    expect(waits.answers.map((a) => a.token)).toEqual(['t', 't']);
  });

  it('a payment for another amount fails the wait; a payment for an unknown or other PaymentIntent is ignored', async () => {
    const { orderId, stepDeps, waits } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    await awaitPayment(stepDeps, orderId, 't');
    expect(
      await receivePaymentOutcome(stepDeps, 'unknown-order', { kind: 'succeeded', paymentIntentId: 'pi_of_no_order', amount: 1800, currency: 'eur' }),
    ).toBe('unknown-order');
    expect(await receivePaymentOutcome(stepDeps, orderId, { kind: 'succeeded', paymentIntentId: 'pi_other', amount: 1800, currency: 'eur' })).toBe(
      'other-payment',
    );
    await receivePaymentOutcome(stepDeps, orderId, { kind: 'succeeded', paymentIntentId, amount: 100, currency: 'eur' });
    expect(waits.answers).toEqual([{ token: 't', kind: 'fail', error: 'PaymentMismatch', cause: expect.any(String) }]);
  });

  it('the payment record decides once: later reports, in any order and from any reporter, never move a terminal state', async () => {
    const { orderId, stepDeps, waits, records } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    expect(records.records.get(paymentIntentId)?.state).toBe('PENDING');
    await awaitPayment(stepDeps, orderId, 't');
    const succeeded = { kind: 'succeeded' as const, paymentIntentId, amount: 1800, currency: 'eur' };
    await Promise.all([receivePaymentOutcome(stepDeps, orderId, succeeded, 'webhook'), receivePaymentOutcome(stepDeps, orderId, succeeded, 'poll')]);
    await receivePaymentOutcome(stepDeps, orderId, { kind: 'canceled', paymentIntentId, amount: 1800, currency: 'eur' }, 'reconciliation');
    await receivePaymentOutcome(stepDeps, orderId, { kind: 'failed', paymentIntentId, amount: 1800, currency: 'eur', reason: 'card_declined' });
    const record = records.records.get(paymentIntentId);
    expect(record).toMatchObject({ state: 'SUCCEEDED', outcome: succeeded });
    expect(['webhook', 'poll']).toContain(record?.decidedBy);
    expect(waits.answers.map((a) => a.kind)).toEqual(expect.arrayContaining(['succeed']));
    expect(waits.answers.every((a) => a.kind === 'succeed')).toBe(true);
  });

  it('a customer polling an order awaiting payment reports a payment the provider finished, through the same finalizer', async () => {
    const { orderId, stepDeps, waits, payments, records } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    await awaitPayment(stepDeps, orderId, 't');
    const errors: unknown[] = [];
    const pollDeps = { ...stepDeps, onProviderError: (e: unknown) => void errors.push(e) };
    expect((await pollOrder(pollDeps, 'c1', orderId)).status).toBe('AWAITING_PAYMENT');
    expect(waits.answers).toEqual([]);
    payments.succeed(paymentIntentId);
    await pollOrder(pollDeps, 'c1', orderId);
    await receivePaymentOutcome(stepDeps, orderId, { kind: 'succeeded', paymentIntentId, amount: 1800, currency: 'eur' });
    expect(records.records.get(paymentIntentId)).toMatchObject({ state: 'SUCCEEDED', decidedBy: 'poll' });
    // The webhook after the poll answers the same wait the same way (Step Functions refuses a used token): harmless.
    expect(waits.answers.length).toBeGreaterThanOrEqual(1);
    expect(waits.answers.every((a) => a.token === 't' && a.kind === 'succeed')).toBe(true);
    await expect(pollOrder(pollDeps, 'someone-else', orderId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('a poll that cannot reach the provider serves the stored order and reports the error', async () => {
    const { orderId, stepDeps, payments } = await reservedOrder();
    await createPaymentIntent(stepDeps, orderId);
    await awaitPayment(stepDeps, orderId, 't');
    const errors: unknown[] = [];
    payments.retrieve = async () => {
      throw new Error('Stripe is down');
    };
    expect((await pollOrder({ ...stepDeps, onProviderError: (e: unknown) => void errors.push(e) }, 'c1', orderId)).status).toBe('AWAITING_PAYMENT');
    expect(errors).toHaveLength(1);
  });

  it('a decline overtaken by a success is checked with the provider and applied as the success', async () => {
    const { orderId, stepDeps, waits, payments, records } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    await awaitPayment(stepDeps, orderId, 't');
    payments.succeed(paymentIntentId);
    expect(await receivePaymentOutcome(stepDeps, orderId, { kind: 'failed', paymentIntentId, amount: 1800, currency: 'eur', reason: 'card_declined' })).toBe(
      'resumed',
    );
    expect(waits.answers).toEqual([{ token: 't', kind: 'succeed' }]);
    expect(records.records.get(paymentIntentId)?.state).toBe('SUCCEEDED');
  });

  it('a decline that still stands is noted on the pending record and fails the wait', async () => {
    const { orderId, stepDeps, waits, records } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    await awaitPayment(stepDeps, orderId, 't');
    await receivePaymentOutcome(stepDeps, orderId, { kind: 'failed', paymentIntentId, amount: 1800, currency: 'eur', reason: 'card_declined' });
    expect(records.records.get(paymentIntentId)).toMatchObject({ state: 'PENDING', lastFailure: { reason: 'card_declined' } });
    expect(waits.answers).toEqual([expect.objectContaining({ token: 't', kind: 'fail', error: 'PaymentDeclined' })]);
  });

  it('compensation cancels an unpaid PaymentIntent, refunds a paid one, and never touches a confirmed order', async () => {
    const unpaid = await reservedOrder();
    const a = await createPaymentIntent(unpaid.stepDeps, unpaid.orderId);
    expect(await cancelOrRefundPayment(unpaid.stepDeps, unpaid.orderId)).toEqual({ paymentStatus: 'canceled' });
    expect(unpaid.payments.calls).toContain(`cancel:${a.paymentIntentId}`);

    const paid = await reservedOrder();
    const b = await createPaymentIntent(paid.stepDeps, paid.orderId);
    paid.payments.succeed(b.paymentIntentId);
    expect(await cancelOrRefundPayment(paid.stepDeps, paid.orderId)).toEqual({ paymentStatus: 'refunded' });

    const confirmed = await reservedOrder();
    const c = await createPaymentIntent(confirmed.stepDeps, confirmed.orderId);
    confirmed.payments.succeed(c.paymentIntentId);
    await confirmed.orders.transition(confirmed.orderId, { from: ['RESERVED'], to: 'CONFIRMED', at: now().toISOString() });
    await cancelOrRefundPayment(confirmed.stepDeps, confirmed.orderId);
    expect(confirmed.payments.calls.filter((call) => !call.startsWith('create'))).toEqual([]);
    expect((await markOrderFailed(confirmed.stepDeps, confirmed.orderId, { Error: 'States.Timeout' })).status).toBe('CONFIRMED');
  });

  it('a payment that succeeds after the order failed is refunded at once', async () => {
    const { orderId, orders, payments, stepDeps } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    await markOrderFailed(stepDeps, orderId, { Error: 'States.Timeout' });
    expect(orders.orders.get(orderId)?.status).toBe('FAILED');
    expect(await receivePaymentOutcome(stepDeps, orderId, { kind: 'succeeded', paymentIntentId, amount: 1800, currency: 'eur' })).toBe('refunded');
    expect(payments.calls).toContain(`refund:${paymentIntentId}`);
    // Refunded in full meanwhile (the dashboard): the provider refuses another, and the event still applies.
    payments.refund = async () => {
      throw new BusinessRuleError('Stripe refused the refund: already refunded');
    };
    expect(await receivePaymentOutcome(stepDeps, orderId, { kind: 'succeeded', paymentIntentId, amount: 1800, currency: 'eur' })).toBe('refunded');
  });

  it('the hold sweeper voids the payment and fails the order before it lets the hold go: a run stopped midway is finished by the next', async () => {
    const { orderId, orders, payments, stepDeps } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    const stock = new FakeStock();
    stock.onHand.set('MUG', 5);
    expect(await stock.reserve(orderId, [{ sku: 'MUG', quantity: 1 }], '2026-11-22T09:00:00Z')).toEqual({ outcome: 'reserved' });
    const sweepDeps = { stock, orders, payments, now };
    const options = { graceSeconds: 300, limit: 10 };
    // The provider fails the first run: the hold, the only index that finds this order again, is still there after it.
    const cancel = payments.cancel.bind(payments);
    payments.cancel = async () => {
      throw new TransientError('Stripe did not answer');
    };
    await expect(sweepExpiredHolds(sweepDeps, options)).rejects.toThrow('Stripe did not answer');
    expect(stock.holds.get(orderId)?.status).toBe('ACTIVE');
    expect(orders.orders.get(orderId)?.status).toBe('RESERVED');
    payments.cancel = cancel;
    expect(await sweepExpiredHolds(sweepDeps, options)).toEqual({ released: 1, failedOrders: 1 });
    expect(orders.orders.get(orderId)).toMatchObject({ status: 'FAILED', payment: { status: 'canceled' } });
    expect(payments.calls).toContain(`cancel:${paymentIntentId}`);
    expect(stock.holds.get(orderId)?.status).toBe('RELEASED');
    expect(await sweepExpiredHolds(sweepDeps, options)).toEqual({ released: 0, failedOrders: 0 });
  });

  it('a payment that succeeds while compensation fails the order (after the report read it open) is refunded too', async () => {
    const { orderId, orders, payments, stepDeps } = await reservedOrder();
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    payments.succeed(paymentIntentId);
    // The saga's timeout fails the order between the report's read of it and its record of the outcome.
    const record = orders.recordPaymentOutcome.bind(orders);
    orders.recordPaymentOutcome = async (...args) => {
      await markOrderFailed(stepDeps, orderId, { Error: 'States.Timeout' });
      return record(...args);
    };
    expect(await receivePaymentOutcome(stepDeps, orderId, { kind: 'succeeded', paymentIntentId, amount: 1800, currency: 'eur' })).toBe('refunded');
    expect(payments.calls).toContain(`refund:${paymentIntentId}`);
    expect(orders.orders.get(orderId)?.status).toBe('FAILED');
  });

  it('fulfilment hands a CONFIRMED order over once and marks it FULFILLED; others are skipped', async () => {
    const { orderId, orders } = await reservedOrder();
    const submitted: string[] = [];
    const deps = { orders, provider: { submit: async (o: StoredOrder) => (submitted.push(o.orderId), { reference: `shp-${o.orderId}` }) }, now };
    expect(await handOffOrder(deps, orderId)).toBe('not-confirmed');
    await orders.transition(orderId, { from: ['RESERVED'], to: 'CONFIRMED', at: now().toISOString() });
    expect(await handOffOrder(deps, orderId)).toBe('fulfilled');
    expect(await handOffOrder(deps, orderId)).toBe('already-fulfilled');
    expect(submitted).toEqual([orderId]);
    expect(orders.orders.get(orderId)).toMatchObject({ status: 'FULFILLED', fulfilmentReference: `shp-${orderId}` });
    await expect(getOrder({ orders }, 'someone-else', orderId)).rejects.toThrow('not found');
  });
});

describe('failure reasons and webhook outcomes', () => {
  it('passes through only messages written for customers; internals become a generic reason', () => {
    expect(failureReason({ Error: 'OutOfStock', Cause: JSON.stringify({ errorType: 'OutOfStock', errorMessage: 'Not enough stock for MUG' }) })).toBe(
      'Not enough stock for MUG',
    );
    expect(failureReason({ Error: 'States.Timeout', Cause: 'x' })).toBe('The payment was not completed before the stock hold expired');
    const internal = failureReason({
      Error: 'TransientError',
      Cause: JSON.stringify({ errorMessage: 'ECONNREFUSED 10.0.0.1 at handler (/var/task/index.mjs:1:2)' }),
    });
    expect(internal).not.toContain('ECONNREFUSED');
    expect(failureReason({ Error: 'OutOfStock', Cause: 'not json' })).toBe(internal);
  });

  it('maps the three payment_intent events to outcomes, and ignores others or ones without an order', () => {
    const event = (type: string, orderId?: string) => ({
      provider: 'stripe' as const,
      eventId: 'evt',
      type,
      created: 1,
      paymentIntent: { id: 'pi_1', status: 'x', amount: 10, currency: 'eur', failureCode: 'card_declined', ...(orderId ? { orderId } : {}) },
    });
    expect(paymentOutcomeOf(event('payment_intent.succeeded', 'o1'))).toEqual({
      orderId: 'o1',
      outcome: { kind: 'succeeded', paymentIntentId: 'pi_1', amount: 10, currency: 'eur' },
    });
    expect(paymentOutcomeOf(event('payment_intent.payment_failed', 'o1'))?.outcome).toMatchObject({ kind: 'failed', reason: 'card_declined' });
    expect(paymentOutcomeOf(event('payment_intent.canceled', 'o1'))?.outcome.kind).toBe('canceled');
    expect(paymentOutcomeOf(event('payment_intent.created', 'o1'))).toBeUndefined();
    expect(paymentOutcomeOf(event('payment_intent.succeeded'))).toBeUndefined();
  });
});

describe('cancelling an order', () => {
  async function orderAt(stage: 'AWAITING_PAYMENT' | 'CONFIRMED' | 'FULFILLED', paid: boolean) {
    const { deps, orders } = await setup();
    const stock = new FakeStock();
    stock.onHand.set('MUG', 3);
    const payments = new FakePayments();
    const waits = new FakeWaits();
    const { orderId } = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, `key-${newId()}`, { items: [{ sku: 'MUG', quantity: 2 }] });
    const stepDeps = { orders, stock, payments, records: new FakePaymentRecords(), waits, now, holdSeconds: 900 };
    await reserveStock(stepDeps, orderId);
    await orders.transition(orderId, { from: ['PENDING'], to: 'RESERVED', at: now().toISOString() });
    const { paymentIntentId } = await createPaymentIntent(stepDeps, orderId);
    await awaitPayment(stepDeps, orderId, 'token-wait');
    if (paid) payments.succeed(paymentIntentId);
    if (stage !== 'AWAITING_PAYMENT') {
      await commitOrder(stepDeps, orderId);
      await orders.transition(orderId, { from: ['AWAITING_PAYMENT'], to: 'CONFIRMED', at: now().toISOString() });
    }
    if (stage === 'FULFILLED') await orders.transition(orderId, { from: ['CONFIRMED'], to: 'FULFILLED', at: now().toISOString() });
    return { orderId, stock, payments, waits, paymentIntentId, cancelDeps: { orders, stock, payments, waits, now } };
  }

  it('awaiting payment: stock released, PaymentIntent canceled, the waiting saga told to end; twice is harmless', async () => {
    const o = await orderAt('AWAITING_PAYMENT', false);
    expect(o.stock.reserved.get('MUG')).toBe(2);
    const view = await cancelOrder(o.cancelDeps, 'c1', o.orderId);
    expect(view).toMatchObject({ status: 'CANCELLED', payment: { status: 'canceled' } });
    expect(o.stock.reserved.get('MUG')).toBe(0);
    expect(o.waits.answers).toEqual([{ token: 'token-wait', kind: 'fail', error: 'OrderCancelled', cause: expect.any(String) }]);
    expect((await cancelOrder(o.cancelDeps, 'c1', o.orderId)).status).toBe('CANCELLED');
    expect(o.payments.calls.filter((c) => c.startsWith('cancel'))).toHaveLength(1);
  });

  it('confirmed: the sold units go back on hand and the payment is refunded', async () => {
    const o = await orderAt('CONFIRMED', true);
    expect(o.stock.onHand.get('MUG')).toBe(1);
    const view = await cancelOrder(o.cancelDeps, 'c1', o.orderId);
    expect(view).toMatchObject({ status: 'CANCELLED', payment: { status: 'refunded' } });
    expect(o.stock.onHand.get('MUG')).toBe(3);
    expect(o.payments.calls).toContain(`refund:${o.paymentIntentId}`);
  });

  it('a cancellation while fulfilment hands the order over is refused (409): nothing is refunded for goods on their way', async () => {
    const o = await orderAt('CONFIRMED', true);
    const submitted: string[] = [];
    const refused: unknown[] = [];
    const provider = {
      // The customer cancels while the provider is being asked to ship.
      submit: async (order: StoredOrder) => {
        refused.push(await cancelOrder(o.cancelDeps, 'c1', order.orderId).catch((error: unknown) => error));
        submitted.push(order.orderId);
        return { reference: `shp-${order.orderId}` };
      },
    };
    expect(await handOffOrder({ orders: o.cancelDeps.orders, provider, now }, o.orderId)).toBe('fulfilled');
    expect(refused).toEqual([expect.any(ConflictError)]);
    expect(String((refused[0] as Error).message)).toMatch(/handed to fulfilment/);
    expect(submitted).toEqual([o.orderId]);
    expect(o.payments.calls.filter((c) => c.startsWith('refund'))).toEqual([]);
    expect(o.stock.onHand.get('MUG')).toBe(1);

    // Cancelled first: the hand-off finds nothing to claim and sends nothing.
    const first = await orderAt('CONFIRMED', true);
    expect((await cancelOrder(first.cancelDeps, 'c1', first.orderId)).status).toBe('CANCELLED');
    const none: string[] = [];
    const idle = { submit: async (order: StoredOrder) => (none.push(order.orderId), { reference: 'never' }) };
    expect(await handOffOrder({ orders: first.cancelDeps.orders, provider: idle, now }, first.orderId)).toBe('not-confirmed');
    expect(none).toEqual([]);
  });

  it("a fulfilled order cannot be cancelled (409) and someone else's is not found (404); nothing changes", async () => {
    const o = await orderAt('FULFILLED', true);
    await expect(cancelOrder(o.cancelDeps, 'c1', o.orderId)).rejects.toBeInstanceOf(ConflictError);
    await expect(cancelOrder(o.cancelDeps, 'c2', o.orderId)).rejects.toThrow('not found');
    expect(o.stock.onHand.get('MUG')).toBe(1);
    expect(o.payments.calls.filter((c) => !c.startsWith('create'))).toEqual([]);
  });

  it('audits the customer\u2019s own cancellation: succeeded, or denied when refused, with source IP and request id', async () => {
    const open = await orderAt('AWAITING_PAYMENT', false);
    const audit = new FakeAuditLog();
    const origin = { sourceIp: '198.51.100.4', requestId: 'req-cancel' };
    await cancelOwnOrder({ ...open.cancelDeps, audit }, { sub: 'c1', ...origin }, open.orderId);
    const done = await orderAt('FULFILLED', true);
    await expect(cancelOwnOrder({ ...done.cancelDeps, audit }, { sub: 'c1', ...origin }, done.orderId)).rejects.toBeInstanceOf(ConflictError);
    await expect(cancelOwnOrder({ ...done.cancelDeps, audit }, { sub: 'c2', ...origin }, done.orderId)).rejects.toBeInstanceOf(NotFoundError);
    expect(audit.events).toEqual([
      {
        at: expect.any(String),
        actor: 'c1',
        action: 'order.cancel',
        target: `order:${open.orderId}`,
        outcome: 'succeeded',
        ...origin,
        detail: 'now CANCELLED',
      },
      {
        at: expect.any(String),
        actor: 'c1',
        action: 'order.cancel',
        target: `order:${done.orderId}`,
        outcome: 'denied',
        ...origin,
        detail: 'A FULFILLED order cannot be cancelled',
      },
      {
        at: expect.any(String),
        actor: 'c2',
        action: 'order.cancel',
        target: `order:${done.orderId}`,
        outcome: 'denied',
        ...origin,
        detail: `Order ${done.orderId} not found`,
      },
    ]);
  });
});

describe('admin refunds', () => {
  async function paidOrder() {
    const { deps, orders } = await setup();
    const payments = new FakePayments();
    const { orderId } = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, `key-${newId()}`, { items: [{ sku: 'CANDLE', quantity: 2 }] });
    await orders.transition(orderId, { from: ['PENDING'], to: 'RESERVED', at: now().toISOString() });
    const { paymentIntentId } = await createPaymentIntent({ orders, payments, records: new FakePaymentRecords(), now }, orderId);
    payments.succeed(paymentIntentId);
    await orders.transition(orderId, { from: ['RESERVED'], to: 'CONFIRMED', at: now().toISOString() });
    const events: AuditEvent[] = [];
    const audit = { append: async (e: AuditEvent) => void events.push(e), list: async () => ({ items: events }) };
    return { orderId, paymentIntentId, orders, payments, events, refundDeps: { orders, payments, audit, now } };
  }
  const admin = { sub: 'admin-1', sourceIp: '10.0.0.7' };

  it('two refunds recorded at once that together refund it all leave the order REFUNDED and its payment refunded', async () => {
    const o = await paidOrder();
    const total = o.orders.orders.get(o.orderId)?.total.amount as number;
    await Promise.all([
      recordRefundOnOrder(o.refundDeps, o.orderId, { refundId: 're_a', amount: 1000 }),
      recordRefundOnOrder(o.refundDeps, o.orderId, { refundId: 're_b', amount: total - 1000 }),
    ]);
    expect(o.orders.orders.get(o.orderId)).toMatchObject({ status: 'REFUNDED', refundedAmount: total, payment: { status: 'refunded' } });
  });

  it('charge.refunded records every succeeded refund of the PaymentIntent from the provider, once each', async () => {
    const o = await paidOrder();
    await o.payments.refund(o.paymentIntentId, o.orderId, { amount: 1000, idempotencyKey: 'dash-1' });
    const total = ((await o.orders.get(o.orderId)) as StoredOrder).total.amount;
    await o.payments.refund(o.paymentIntentId, o.orderId, { amount: total - 1000, idempotencyKey: 'dash-2' });
    const charge = { id: 'ch_1', paymentIntentId: o.paymentIntentId, amountRefunded: total };
    expect(await receiveChargeRefunded(o.refundDeps, charge)).toBe('recorded');
    expect(await receiveChargeRefunded(o.refundDeps, charge)).toBe('recorded');
    const order = await o.orders.get(o.orderId);
    expect(order).toMatchObject({ status: 'REFUNDED', refundedAmount: total });
    expect(await receiveChargeRefunded(o.refundDeps, { id: 'ch_2', amountRefunded: 5 })).toBe('unknown-order');
  });

  it('refunds in part then the rest: REFUNDED at the total, each refund once, every attempt audited', async () => {
    const o = await paidOrder();
    const partial = await refundOrder(o.refundDeps, admin, o.orderId, { amount: 900, reason: 'one candle broken' });
    expect(partial).toMatchObject({ status: 'CONFIRMED', refunded: { amount: 900, currency: 'EUR' }, payment: { status: 'partially_refunded' } });
    const rest = await refundOrder(o.refundDeps, admin, o.orderId, { reason: 'customer unhappy' });
    expect(rest).toMatchObject({ status: 'REFUNDED', refunded: { amount: 2900 }, payment: { status: 'refunded' } });
    await expect(refundOrder(o.refundDeps, admin, o.orderId, { amount: 1, reason: 'again' })).rejects.toBeInstanceOf(ConflictError);
    expect(o.payments.calls.filter((c) => c.startsWith('refund'))).toHaveLength(2);
    expect(o.events.map((e) => [e.action, e.outcome, e.actor, e.sourceIp])).toEqual([
      ['order.refund', 'succeeded', 'admin-1', '10.0.0.7'],
      ['order.refund', 'succeeded', 'admin-1', '10.0.0.7'],
      ['order.refund', 'denied', 'admin-1', '10.0.0.7'],
    ]);
    // Money as money in the words, the minor units beside them (the order is 29.00 EUR).
    expect(o.events[0]).toMatchObject({
      detail: expect.stringMatching(/^9\.00 EUR of 29\.00 EUR: one candle broken \(refund re_\w+, succeeded\)$/),
      amounts: { refund: { amount: 900, currency: 'EUR' }, orderTotal: { amount: 2900, currency: 'EUR' }, refundable: { amount: 2900, currency: 'EUR' } },
    });
    expect(o.events[1]?.detail).toMatch(/^20\.00 EUR of 29\.00 EUR: customer unhappy/);
    expect(o.events[2]).toMatchObject({ detail: '0.01 EUR of 29.00 EUR: again (order is REFUNDED)', amounts: { refund: { amount: 1 } } });
  });

  it('the same request retried is the same refund; more than remains is refused and audited', async () => {
    const o = await paidOrder();
    await Promise.all([
      refundOrder(o.refundDeps, admin, o.orderId, { amount: 500, reason: 'late' }),
      refundOrder(o.refundDeps, admin, o.orderId, { amount: 500, reason: 'late' }),
    ]);
    expect(o.orders.orders.get(o.orderId)?.refundedAmount).toBe(500);
    expect(o.payments.calls.filter((c) => c.startsWith('refund'))).toHaveLength(1);
    await expect(refundOrder(o.refundDeps, admin, o.orderId, { amount: 2401, reason: 'too much' })).rejects.toBeInstanceOf(BusinessRuleError);
    expect(o.events.at(-1)).toMatchObject({ outcome: 'denied', detail: '24.01 EUR of 29.00 EUR: too much (24.00 EUR remains refundable)' });
  });
});

describe('payment events: intake and application', () => {
  class MemoryLedger implements PaymentEventLedger {
    readonly recorded = new Set<string>();
    readonly applied = new Map<string, string>();
    async record(event: ProviderEvent) {
      if (this.recorded.has(event.eventId)) return 'duplicate' as const;
      this.recorded.add(event.eventId);
      return 'recorded' as const;
    }
    async processed(event: ProviderEvent) {
      return this.applied.has(event.eventId);
    }
    async markProcessed(event: ProviderEvent, effect: string) {
      if (!this.applied.has(event.eventId)) this.applied.set(event.eventId, effect);
    }
  }
  const event = (eventId: string, type = 'payment_intent.succeeded'): ProviderEvent => ({
    provider: 'stripe',
    eventId,
    type,
    created: 1,
    objectId: 'pi_1',
    paymentIntent: { id: 'pi_1', status: 'succeeded', amount: 10, currency: 'eur', orderId: 'o1' },
  });

  it('intake records and queues every delivery, duplicates too (the queue and the consumer drop repeats)', async () => {
    const ledger = new MemoryLedger();
    const queued: string[] = [];
    const deps = {
      verifier: { verify: async (raw: string) => event(raw) },
      ledger,
      queue: { enqueue: async (e: ProviderEvent) => void queued.push(e.eventId) },
      now,
    };
    expect(await receiveWebhook(deps, 'evt_1', 'sig')).toMatchObject({ duplicate: false });
    expect(await receiveWebhook(deps, 'evt_1', 'sig')).toMatchObject({ duplicate: true });
    expect(queued).toEqual(['evt_1', 'evt_1']);
  });

  it('applies each event once, ignores types the saga does not wait for, and records what it did', async () => {
    const ledger = new MemoryLedger();
    const applied: string[] = [];
    const deps = {
      ledger,
      now,
      onPaymentOutcome: async (orderId: string) => (applied.push(orderId), 'resumed'),
      onRefund: async () => 'recorded',
      onChargeRefunded: async () => 'recorded',
    };
    expect(await applyPaymentEvent(deps, event('evt_1'))).toBe('resumed');
    expect(await applyPaymentEvent(deps, event('evt_1'))).toBe('already-applied');
    expect(await applyPaymentEvent(deps, event('evt_2', 'charge.succeeded'))).toBe('ignored');
    expect(applied).toEqual(['o1']);
    expect([...ledger.applied]).toEqual([
      ['evt_1', 'resumed'],
      ['evt_2', 'ignored'],
    ]);
  });

  it('subscribes the webhook endpoint to exactly the types it acts on, as the README tells a deployer', async () => {
    const deps = {
      ledger: new MemoryLedger(),
      now,
      onPaymentOutcome: async () => 'resumed',
      onRefund: async () => 'refund',
      onChargeRefunded: async () => 'charge-refunded',
    };
    const typed = (type: string, n: number): ProviderEvent => ({
      ...event(`evt_type_${n}`, type),
      refund: { id: 're_1', paymentIntentId: 'pi_1', amount: 10, status: 'succeeded' },
      charge: { id: 'ch_1', paymentIntentId: 'pi_1', amountRefunded: 10 },
    });
    const effects = await Promise.all(STRIPE_WEBHOOK_EVENTS.map((type, n) => applyPaymentEvent(deps, typed(type, n))));
    expect(effects).not.toContain('ignored');
    const others = ['payment_intent.created', 'charge.succeeded', 'payment_intent.processing', 'customer.created'];
    expect(await Promise.all(others.map((type, n) => applyPaymentEvent(deps, typed(type, 100 + n))))).toEqual(others.map(() => 'ignored'));
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const listed = readme.slice(readme.indexOf("Stripe's webhook endpoint")).split('\n\n')[0] ?? '';
    expect([...listed.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]).sort()).toEqual([...STRIPE_WEBHOOK_EVENTS].sort());
  });
});
