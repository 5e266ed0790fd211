import type { Money } from '../../../shared/domain/model/money';
import { BusinessRuleError } from '../../../shared/domain/errors';
import { cancelOrder } from '../../../shared/domain/orders/cancel';
import type { StoredOrder } from '../../../shared/domain/orders/order';
import { receiveProviderRefund, refundOrder } from '../../../shared/domain/orders/refund';
import { awaitPayment, cancelOrRefundPayment, createPaymentIntent, markOrderFailed, receivePaymentOutcome } from '../../../shared/domain/orders/saga';
import { RECONCILIATION_ACTOR, reconcilePayments, type ReconciliationOptions, slicesOf } from '../../../shared/domain/payments/reconciliation';
import type { Discrepancy, RemedyName } from '../../../shared/ports/reconciliation-reports';
import { FakeAuditLog, FakeOrders, FakePaymentHistory, FakePaymentRecords, FakeReconciliationReports, FakeStock, FakeWaits } from '../../support/order-fakes';

const RUN_AT = new Date('2026-11-22T10:00:00Z');
const OPTIONS: ReconciliationOptions = { windowHours: 72, stuckAfterMinutes: 30, settleSeconds: 300, remedies: [] };
const EVERY_REMEDY: readonly RemedyName[] = ['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome', 'refund-paid-without-order'];
const EUR = (amount: number): Money => ({ amount, currency: 'EUR' });
const ADMIN = { sub: 'admin-sub' };

/**
 * Stripe (its history included), the orders, payment records, waiting saga steps, reports and audit trail in memory,
 * with a clock the test sets before each thing happens (`at(minutes before the run)`). Orders move through the real
 * saga, refund and cancel functions, so a clean history is what those functions leave behind.
 */
function world() {
  let clock = new Date(RUN_AT.getTime() - 120 * 60_000);
  const now = () => clock;
  const stripe = new FakePaymentHistory(now);
  const orders = new FakeOrders();
  const records = new FakePaymentRecords();
  const waits = new FakeWaits();
  const reports = new FakeReconciliationReports();
  const audit = new FakeAuditLog();
  const saga = { orders, payments: stripe, records, waits, now, audit, stock: new FakeStock() };
  let count = 0;

  const w = {
    stripe,
    orders,
    records,
    waits,
    reports,
    audit,
    saga,
    at(minutesBeforeRun: number) {
      clock = new Date(RUN_AT.getTime() - minutesBeforeRun * 60_000);
    },
    reconcile: (options: Partial<ReconciliationOptions> = {}) =>
      reconcilePayments(
        { history: stripe, payments: stripe, orders, records, recordLookup: records, waits, reports, audit, now: () => RUN_AT },
        { ...OPTIONS, ...options },
      ),
    order: (orderId: string) => orders.orders.get(orderId) as StoredOrder,
    paymentOf: (orderId: string) => w.order(orderId).payment?.paymentIntentId as string,
    /** An order as checkout makes it and the saga leaves it waiting for payment: stock held, PaymentIntent made and recorded. */
    async awaiting(total: Money = EUR(2400)): Promise<{ orderId: string; paymentIntentId: string; token: string }> {
      const orderId = `01ORDER${String(++count).padStart(19, '0')}`;
      const at = clock.toISOString();
      const line = { sku: `MUG-${count}`, productId: 'p-mug', vendorId: 'v1', quantity: 1, unitPrice: total, lineTotal: total };
      await orders.createOnce(
        { orderId, customerId: 'c1', status: 'PENDING', lines: [line], total, createdAt: at, updatedAt: at },
        { idempotencyKey: `key-${orderId}`, requestHash: 'h' },
      );
      await orders.transition(orderId, { from: ['PENDING'], to: 'RESERVED', at });
      const { paymentIntentId } = await createPaymentIntent(saga, orderId);
      const token = `token-${orderId}`;
      await awaitPayment(saga, orderId, token);
      return { orderId, paymentIntentId, token };
    },
    /** The customer pays, and the webhook reports it. */
    async pay(orderId: string): Promise<void> {
      const paymentIntentId = w.paymentOf(orderId);
      stripe.succeed(paymentIntentId);
      const intent = await stripe.retrieve(paymentIntentId);
      await receivePaymentOutcome(saga, orderId, {
        kind: 'succeeded',
        paymentIntentId,
        amount: intent.amount.amount,
        currency: intent.amount.currency.toLowerCase(),
      });
    },
    /** CommitOrder's status change (its stock side is the ledger's business). */
    async confirm(orderId: string): Promise<void> {
      await orders.transition(orderId, { from: ['AWAITING_PAYMENT'], to: 'CONFIRMED', at: clock.toISOString(), paymentStatus: 'succeeded' });
    },
    async paidOrder(total: Money = EUR(2400)): Promise<{ orderId: string; paymentIntentId: string }> {
      const placed = await w.awaiting(total);
      await w.pay(placed.orderId);
      await w.confirm(placed.orderId);
      return placed;
    },
  };
  return w;
}

type World = ReturnType<typeof world>;

/** Seven orders as the saga, admins and customers leave them when nothing went wrong. */
async function cleanHistory(w: World): Promise<void> {
  w.at(180);
  await w.paidOrder();
  w.at(170);
  const partly = await w.paidOrder(EUR(5000));
  await refundOrder(w.saga, ADMIN, partly.orderId, { amount: 900, reason: 'one chipped' });
  w.at(160);
  const wholly = await w.paidOrder(EUR(3000));
  await refundOrder(w.saga, ADMIN, wholly.orderId, { reason: 'returned' });
  w.at(150);
  // Declined first, then paid with another card.
  const retried = await w.awaiting();
  await receivePaymentOutcome(w.saga, retried.orderId, {
    kind: 'failed',
    paymentIntentId: retried.paymentIntentId,
    amount: 2400,
    currency: 'eur',
    reason: 'card_declined',
  });
  await w.pay(retried.orderId);
  await w.confirm(retried.orderId);
  w.at(140);
  // Never paid: the hold expired, compensation canceled the PaymentIntent, and its webhook arrived.
  const abandoned = await w.awaiting();
  const { paymentStatus } = await cancelOrRefundPayment(w.saga, abandoned.orderId);
  await markOrderFailed(w.saga, abandoned.orderId, { Error: 'HoldExpired' }, paymentStatus);
  await receivePaymentOutcome(w.saga, abandoned.orderId, { kind: 'canceled', paymentIntentId: abandoned.paymentIntentId, amount: 2400, currency: 'eur' });
  w.at(130);
  // Paid, then cancelled by the customer: refunded, and the refund's webhook recorded it on the order.
  const cancelled = await w.paidOrder();
  await cancelOrder(w.saga, 'c1', cancelled.orderId);
  const refund = w.stripe.refundList.at(-1);
  await receiveProviderRefund(w.saga, {
    id: refund?.refundId as string,
    amount: refund?.amount as number,
    status: 'succeeded',
    paymentIntentId: cancelled.paymentIntentId,
    orderId: cancelled.orderId,
  });
  w.at(10);
  // Waiting for its payment, well within the stuck threshold.
  await w.awaiting();
}
const CLEAN_CHECKED = 7 + 7;

/** Each discrepancy as kind, order and PaymentIntent, for exact comparisons. */
const ids = (ds: readonly Discrepancy[]) => ds.map((d) => [d.kind, d.orderId, d.paymentIntentId]);

describe('reconciliation of Stripe with Stockade', () => {
  it('finds nothing on a clean history (paid, partly and wholly refunded, retried, abandoned, cancelled, waiting)', async () => {
    const w = world();
    await cleanHistory(w);
    expect([...w.orders.orders.values()].map((o) => o.status).sort()).toEqual([
      'AWAITING_PAYMENT',
      'CANCELLED',
      'CONFIRMED',
      'CONFIRMED',
      'CONFIRMED',
      'FAILED',
      'REFUNDED',
    ]);
    const calls = w.stripe.calls.length;

    const report = await w.reconcile({ remedies: EVERY_REMEDY });
    expect(report.discrepancies).toEqual([]);
    expect(report.checked).toBe(CLEAN_CHECKED);
    expect(w.stripe.calls.slice(calls)).toEqual([]);
    expect(w.audit.events.map((e) => e.action).filter((a) => a.startsWith('reconciliation.'))).toEqual(['reconciliation.run']);
  });

  describe('reports each kind of discrepancy, and only it', () => {
    let w: World;
    beforeEach(async () => {
      w = world();
      await cleanHistory(w);
      w.at(20);
    });

    it('paid-without-order: money taken for an order that does not exist, or that failed and was not refunded', async () => {
      w.stripe.add({ paymentIntentId: 'pi_ext_ghost', status: 'succeeded', amount: EUR(3100), orderId: 'ORDER-THAT-NEVER-WAS' });
      const failed = await w.awaiting();
      await markOrderFailed(w.saga, failed.orderId, { Error: 'HoldExpired' });
      w.stripe.succeed(failed.paymentIntentId);
      // Its webhook came and decided the payment; the refund it owed did not go through.
      await w.records.decide(
        { kind: 'succeeded', paymentIntentId: failed.paymentIntentId, amount: 2400, currency: 'eur' },
        'webhook',
        new Date().toISOString(),
        failed.orderId,
      );

      const report = await w.reconcile();
      expect(ids(report.discrepancies).sort()).toEqual(
        [
          ['paid-without-order', 'ORDER-THAT-NEVER-WAS', 'pi_ext_ghost'],
          ['paid-without-order', failed.orderId, failed.paymentIntentId],
        ].sort(),
      );
      expect(report.discrepancies.find((d) => d.paymentIntentId === 'pi_ext_ghost')?.detail).toBe('3100 eur taken; order ORDER-THAT-NEVER-WAS does not exist');
      expect(report.discrepancies.find((d) => d.orderId === failed.orderId)?.detail).toBe('2400 eur taken; order is FAILED, 0 refunded');
    });

    it('confirmed-without-payment: a CONFIRMED order whose PaymentIntent never succeeded (and its PaymentIntent is not called orphaned)', async () => {
      const unpaid = await w.awaiting();
      await w.confirm(unpaid.orderId);

      const report = await w.reconcile();
      expect(ids(report.discrepancies)).toEqual([['confirmed-without-payment', unpaid.orderId, unpaid.paymentIntentId]]);
      expect(report.discrepancies[0]?.detail).toBe('order is CONFIRMED; its PaymentIntent is requires_payment_method');
    });

    it('confirmed-without-payment: a CONFIRMED order whose PaymentIntent Stripe does not have is reported, not a failed run', async () => {
      const lost = await w.awaiting();
      await w.confirm(lost.orderId);
      w.stripe.intents.delete(lost.paymentIntentId);
      w.stripe.created.delete(lost.paymentIntentId);

      const report = await w.reconcile();
      expect(ids(report.discrepancies)).toEqual([['confirmed-without-payment', lost.orderId, lost.paymentIntentId]]);
      expect(report.discrepancies[0]?.detail).toBe(`order is CONFIRMED; Stripe has no PaymentIntent ${lost.paymentIntentId}`);
    });

    it('amount-mismatch: Stripe took another amount than the confirmed order total', async () => {
      const order = await w.awaiting(EUR(4000));
      w.stripe.amend(order.paymentIntentId, EUR(3500));
      await w.pay(order.orderId);
      // The saga was told (PaymentMismatch); the order was confirmed all the same.
      expect(w.waits.answers.at(-1)).toMatchObject({ token: order.token, kind: 'fail', error: 'PaymentMismatch' });
      await w.confirm(order.orderId);

      const report = await w.reconcile();
      expect(ids(report.discrepancies)).toEqual([['amount-mismatch', order.orderId, order.paymentIntentId]]);
      expect(report.discrepancies[0]?.detail).toBe('Stripe took 3500; the order total is 4000 (EUR)');
    });

    it('currency-mismatch: Stripe took the amount in another currency', async () => {
      const order = await w.awaiting(EUR(4000));
      w.stripe.amend(order.paymentIntentId, { amount: 4000, currency: 'USD' });
      await w.pay(order.orderId);
      await w.confirm(order.orderId);

      const report = await w.reconcile();
      expect(ids(report.discrepancies)).toEqual([['currency-mismatch', order.orderId, order.paymentIntentId]]);
      expect(report.discrepancies[0]?.detail).toBe('Stripe took USD; the order is in EUR');
    });

    it('refund-drift: a refund Stripe made that the order does not know, and one the order records that Stripe never made', async () => {
      const dashboard = await w.paidOrder();
      await w.stripe.refund(dashboard.paymentIntentId, dashboard.orderId, { amount: 700, idempotencyKey: 'dashboard-refund-1' });
      const phantom = await w.paidOrder();
      await w.orders.recordRefund(phantom.orderId, { refundId: 're_never_made', amount: 500, paymentStatus: 'partially_refunded' }, new Date().toISOString());

      const report = await w.reconcile();
      expect(ids(report.discrepancies).sort()).toEqual(
        [
          ['refund-drift', dashboard.orderId, dashboard.paymentIntentId],
          ['refund-drift', phantom.orderId, phantom.paymentIntentId],
        ].sort(),
      );
      expect(report.discrepancies.find((d) => d.orderId === dashboard.orderId)?.detail).toBe('Stripe refunded 700; the order records 0 refunded');
      expect(report.discrepancies.find((d) => d.orderId === phantom.orderId)?.detail).toBe('Stripe refunded 0; the order records 500 refunded');
    });

    it('stuck-awaiting-payment: an order still open past stuckAfterMinutes, with or without its PaymentIntent', async () => {
      w.at(45);
      const waiting = await w.awaiting();
      w.at(50);
      const at = new Date(RUN_AT.getTime() - 50 * 60_000).toISOString();
      await w.orders.createOnce(
        { orderId: '01ORDERSTUCKPENDING0000000', customerId: 'c1', status: 'PENDING', lines: [], total: EUR(1200), createdAt: at, updatedAt: at },
        { idempotencyKey: 'k-stuck', requestHash: 'h' },
      );

      const report = await w.reconcile();
      expect(ids(report.discrepancies).sort()).toEqual(
        [
          ['stuck-awaiting-payment', waiting.orderId, waiting.paymentIntentId],
          ['stuck-awaiting-payment', '01ORDERSTUCKPENDING0000000', undefined],
        ].sort(),
      );
      expect(report.discrepancies.find((d) => d.orderId === waiting.orderId)?.detail).toBe(
        `AWAITING_PAYMENT since ${new Date(RUN_AT.getTime() - 45 * 60_000).toISOString()}`,
      );
    });

    it('missed-payment-outcome: Stripe finished a payment (succeeded or canceled) whose webhook never arrived', async () => {
      const paid = await w.awaiting();
      w.stripe.succeed(paid.paymentIntentId);
      const canceled = await w.awaiting();
      await w.stripe.cancel(canceled.paymentIntentId);

      const report = await w.reconcile();
      expect(ids(report.discrepancies).sort()).toEqual(
        [
          ['missed-payment-outcome', paid.orderId, paid.paymentIntentId],
          ['missed-payment-outcome', canceled.orderId, canceled.paymentIntentId],
        ].sort(),
      );
      expect(report.discrepancies.find((d) => d.orderId === paid.orderId)?.detail).toBe(
        "Stripe says succeeded; Stockade's payment record is PENDING (order AWAITING_PAYMENT)",
      );
      expect(report.discrepancies.find((d) => d.orderId === canceled.orderId)?.detail).toBe('Stripe says canceled; the order is still AWAITING_PAYMENT');
    });

    it('orphaned-payment-intent: open for an order that failed, for no order, or for an order paid by another PaymentIntent', async () => {
      const failed = await w.awaiting();
      await markOrderFailed(w.saga, failed.orderId, { Error: 'HoldExpired' });
      w.stripe.add({ paymentIntentId: 'pi_ext_nobody', status: 'requires_payment_method', amount: EUR(900), orderId: 'ORDER-THAT-NEVER-WAS' });
      const paid = await w.paidOrder();
      w.stripe.add({ paymentIntentId: 'pi_ext_second', status: 'requires_confirmation', amount: EUR(2400), orderId: paid.orderId });

      const report = await w.reconcile();
      expect(ids(report.discrepancies).sort()).toEqual(
        [
          ['orphaned-payment-intent', failed.orderId, failed.paymentIntentId],
          ['orphaned-payment-intent', 'ORDER-THAT-NEVER-WAS', 'pi_ext_nobody'],
          ['orphaned-payment-intent', paid.orderId, 'pi_ext_second'],
        ].sort(),
      );
      expect(report.discrepancies.find((d) => d.paymentIntentId === failed.paymentIntentId)?.detail).toBe(
        'PaymentIntent for 2400 eur is requires_payment_method; order is FAILED',
      );
      expect(report.discrepancies.find((d) => d.paymentIntentId === 'pi_ext_second')?.detail).toBe(
        `PaymentIntent for 2400 eur is requires_confirmation; order ${paid.orderId} uses another PaymentIntent`,
      );
    });
  });

  it('reports nothing for what moved on while the slice was read: paid, failed or refunded between the listings', async () => {
    const w = world();
    w.at(20);
    const paidMeanwhile = await w.awaiting();
    const failedMeanwhile = await w.awaiting();
    const refundedMeanwhile = await w.paidOrder();
    // Stripe's list is read first; the shop goes on before the orders and the payment records are read.
    const list = w.stripe.paymentIntents.bind(w.stripe);
    w.stripe.paymentIntents = async function* (from: Date, to: Date) {
      // Copies, as an API answers: what the list said does not change when Stripe's PaymentIntent does.
      let ours = false;
      for await (const pi of list(from, to)) {
        ours ||= pi.paymentIntentId === paidMeanwhile.paymentIntentId;
        yield { ...pi };
      }
      if (!ours || w.order(paidMeanwhile.orderId).status === 'CONFIRMED') return;
      w.at(1);
      await w.pay(paidMeanwhile.orderId);
      await w.confirm(paidMeanwhile.orderId);
      const { paymentStatus } = await cancelOrRefundPayment(w.saga, failedMeanwhile.orderId);
      await markOrderFailed(w.saga, failedMeanwhile.orderId, { Error: 'States.Timeout' }, paymentStatus);
      await refundOrder(w.saga, ADMIN, refundedMeanwhile.orderId, { amount: 500, reason: 'late' });
    };
    const report = await w.reconcile({ remedies: EVERY_REMEDY });
    expect(ids(report.discrepancies)).toEqual([]);
    expect(w.audit.events.filter((e) => e.action.startsWith('reconciliation.') && e.action !== 'reconciliation.run')).toEqual([]);
    // Read again after the fact, with nothing moving, the books agree as well.
    w.stripe.paymentIntents = list;
    expect(ids((await w.reconcile()).discrepancies)).toEqual([]);
  });

  it('leaves out what is younger than the settle time: its webhook may still be on the way', async () => {
    const w = world();
    await cleanHistory(w);
    w.at(2);
    await w.awaiting();
    w.stripe.add({ paymentIntentId: 'pi_ext_fresh', status: 'succeeded', amount: EUR(3100), orderId: 'ORDER-NOT-YET-WRITTEN' });

    const settled = await w.reconcile({ settleSeconds: 300 });
    expect(settled.discrepancies).toEqual([]);
    expect(settled.checked).toBe(CLEAN_CHECKED);
    expect(settled.window).toEqual({ from: new Date(RUN_AT.getTime() - 72 * 3_600_000).toISOString(), to: new Date(RUN_AT.getTime() - 300_000).toISOString() });

    const unsettled = await w.reconcile({ settleSeconds: 60 });
    expect(ids(unsettled.discrepancies)).toEqual([['paid-without-order', 'ORDER-NOT-YET-WRITTEN', 'pi_ext_fresh']]);
    expect(unsettled.checked).toBe(CLEAN_CHECKED + 3);
  });

  describe('a slice of the window at a time', () => {
    it('cuts the window into consecutive slices that cover it exactly, without overlap', () => {
      const window = { from: new Date('2026-11-19T10:00:00.000Z'), to: new Date('2026-11-19T12:30:00.000Z') };
      const slices = slicesOf(window, 60);
      expect(slices.map((x) => [x.from.toISOString(), x.to.toISOString()])).toEqual([
        ['2026-11-19T10:00:00.000Z', '2026-11-19T10:59:59.999Z'],
        ['2026-11-19T11:00:00.000Z', '2026-11-19T11:59:59.999Z'],
        ['2026-11-19T12:00:00.000Z', '2026-11-19T12:30:00.000Z'],
      ]);
      expect(slicesOf(window, 10_000)).toEqual([window]);
      // A run's window starts at an odd millisecond; later slices start on whole seconds, as Stripe's created ranges
      // count in seconds: no PaymentIntent is listed by two slices.
      const odd = { from: new Date('2026-11-19T10:00:00.742Z'), to: new Date('2026-11-19T12:00:00.742Z') };
      expect(slicesOf(odd, 60).map((x) => [x.from.toISOString(), x.to.toISOString()])).toEqual([
        ['2026-11-19T10:00:00.742Z', '2026-11-19T10:59:59.999Z'],
        ['2026-11-19T11:00:00.000Z', '2026-11-19T11:59:59.999Z'],
        ['2026-11-19T12:00:00.000Z', '2026-11-19T12:00:00.742Z'],
      ]);
    });

    it('an order and its PaymentIntent created on either side of a slice edge still meet: nothing to report', async () => {
      const w = world();
      // The window starts 72 h before the run, so with 60-minute slices an edge falls exactly 60 minutes before it.
      w.at(61);
      const at = new Date(RUN_AT.getTime() - 61 * 60_000).toISOString();
      const total = EUR(2400);
      const line = { sku: 'MUG-EDGE', productId: 'p-mug', vendorId: 'v1', quantity: 1, unitPrice: total, lineTotal: total };
      await w.orders.createOnce(
        { orderId: '01ORDEREDGE000000000000001', customerId: 'c1', status: 'PENDING', lines: [line], total, createdAt: at, updatedAt: at },
        { idempotencyKey: 'key-edge', requestHash: 'h' },
      );
      await w.orders.transition('01ORDEREDGE000000000000001', { from: ['PENDING'], to: 'RESERVED', at });
      w.at(59);
      await createPaymentIntent(w.saga, '01ORDEREDGE000000000000001');
      await awaitPayment(w.saga, '01ORDEREDGE000000000000001', 'token-edge');
      await w.pay('01ORDEREDGE000000000000001');
      await w.confirm('01ORDEREDGE000000000000001');

      const report = await w.reconcile({ remedies: EVERY_REMEDY, sliceMinutes: 60 });
      expect(report).toMatchObject({ discrepancies: [], checked: 2 });
    });

    it('finds, remedies and counts the same whether the window is read in one slice or in a minute at a time', async () => {
      const runs = [];
      for (const sliceMinutes of [5_000, 60, 1]) {
        const w = world();
        await cleanHistory(w);
        w.at(20);
        const orphan = await w.awaiting();
        await markOrderFailed(w.saga, orphan.orderId, { Error: 'HoldExpired' });
        w.stripe.add({ paymentIntentId: 'pi_ext_ghost', status: 'succeeded', amount: EUR(3100), orderId: 'ORDER-THAT-NEVER-WAS' });
        const report = await w.reconcile({ remedies: EVERY_REMEDY, sliceMinutes });
        runs.push({
          checked: report.checked,
          found: ids(report.discrepancies).sort(),
          remedies: report.discrepancies.map((d) => d.remedy?.outcome).sort(),
          refunds: w.stripe.refundList.filter((r) => r.paymentIntentId === 'pi_ext_ghost').length,
        });
      }
      expect(runs[0]).toMatchObject({ checked: CLEAN_CHECKED + 3, refunds: 1 });
      expect(runs[0]?.found).toHaveLength(2);
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
    });
  });

  describe('remedies', () => {
    /** One discrepancy of each kind that has a remedy. */
    async function remediable() {
      const w = world();
      await cleanHistory(w);
      w.at(20);
      const orphan = await w.awaiting();
      await markOrderFailed(w.saga, orphan.orderId, { Error: 'HoldExpired' });
      w.stripe.add({ paymentIntentId: 'pi_ext_ghost', status: 'succeeded', amount: EUR(3100), orderId: 'ORDER-THAT-NEVER-WAS' });
      const missed = await w.awaiting();
      w.stripe.succeed(missed.paymentIntentId);
      return { w, orphan, missed };
    }
    const remedyEvents = (w: World) => w.audit.events.filter((e) => e.action.startsWith('reconciliation.') && e.action !== 'reconciliation.run');

    it('none is applied unless the stage configures it: reported only', async () => {
      const { w, orphan, missed } = await remediable();
      const calls = w.stripe.calls.length;

      const report = await w.reconcile({ remedies: [] });
      expect(ids(report.discrepancies).sort()).toEqual(
        [
          ['orphaned-payment-intent', orphan.orderId, orphan.paymentIntentId],
          ['paid-without-order', 'ORDER-THAT-NEVER-WAS', 'pi_ext_ghost'],
          ['missed-payment-outcome', missed.orderId, missed.paymentIntentId],
        ].sort(),
      );
      expect(report.discrepancies.every((d) => d.remedy === undefined)).toBe(true);
      expect(w.stripe.calls.slice(calls)).toEqual([]);
      expect((await w.records.get(missed.paymentIntentId))?.state).toBe('PENDING');
      expect(remedyEvents(w)).toEqual([]);
    });

    it('only the configured ones are applied', async () => {
      const { w, orphan, missed } = await remediable();
      const calls = w.stripe.calls.length;

      const report = await w.reconcile({ remedies: ['cancel-orphaned-payment-intent'] });
      expect(report.discrepancies.filter((d) => d.remedy).map((d) => [d.kind, d.paymentIntentId, d.remedy?.name, d.remedy?.outcome])).toEqual([
        ['orphaned-payment-intent', orphan.paymentIntentId, 'cancel-orphaned-payment-intent', 'applied'],
      ]);
      expect(w.stripe.calls.slice(calls)).toEqual([`cancel:${orphan.paymentIntentId}`]);
      expect(w.stripe.refundList.filter((r) => r.paymentIntentId === 'pi_ext_ghost')).toEqual([]);
      expect((await w.records.get(missed.paymentIntentId))?.state).toBe('PENDING');
      expect(remedyEvents(w).map((e) => e.action)).toEqual(['reconciliation.cancel-orphaned-payment-intent']);
    });

    it('with every remedy: the orphan is canceled, the money refunded once, the missed outcome applied as the webhook would; each audited; the next run finds them fixed', async () => {
      const { w, orphan, missed } = await remediable();

      const report = await w.reconcile({ remedies: EVERY_REMEDY });
      const remedies = Object.fromEntries(report.discrepancies.map((d) => [d.kind, d.remedy]));
      expect(remedies).toEqual({
        'orphaned-payment-intent': { name: 'cancel-orphaned-payment-intent', outcome: 'applied', detail: 'PaymentIntent is now canceled' },
        'paid-without-order': { name: 'refund-paid-without-order', outcome: 'applied', detail: expect.stringMatching(/^refund re_\d+ succeeded$/) },
        'missed-payment-outcome': { name: 'apply-missed-payment-outcome', outcome: 'applied', detail: 'applied as the webhook would have been: resumed' },
      });
      expect((await w.stripe.retrieve(orphan.paymentIntentId)).status).toBe('canceled');
      expect(w.stripe.refundList.filter((r) => r.paymentIntentId === 'pi_ext_ghost').map((r) => r.amount)).toEqual([3100]);
      expect(await w.records.get(missed.paymentIntentId)).toMatchObject({ state: 'SUCCEEDED', decidedBy: 'reconciliation' });
      expect(w.order(missed.orderId).paymentOutcome).toMatchObject({ kind: 'succeeded', paymentIntentId: missed.paymentIntentId });
      expect(w.waits.answers).toContainEqual({ token: missed.token, kind: 'succeed' });

      expect(
        remedyEvents(w)
          .map((e) => [e.actor, e.action, e.target, e.outcome])
          .sort(),
      ).toEqual(
        [
          [RECONCILIATION_ACTOR, 'reconciliation.cancel-orphaned-payment-intent', `order:${orphan.orderId}`, 'succeeded'],
          [RECONCILIATION_ACTOR, 'reconciliation.refund-paid-without-order', 'order:ORDER-THAT-NEVER-WAS', 'succeeded'],
          [RECONCILIATION_ACTOR, 'reconciliation.apply-missed-payment-outcome', `order:${missed.orderId}`, 'succeeded'],
        ].sort(),
      );
      expect(RECONCILIATION_ACTOR).toBe('system:reconciliation');

      const again = await w.reconcile({ remedies: EVERY_REMEDY });
      expect(again.discrepancies).toEqual([]);
      expect(w.stripe.refundList.filter((r) => r.paymentIntentId === 'pi_ext_ghost')).toHaveLength(1);
    });

    it("a failed order paid after all, its webhook lost: both facts reported; refunded once between the remedies and the saga's compensation; fixed for the next run", async () => {
      const w = world();
      const failed = await w.awaiting();
      await markOrderFailed(w.saga, failed.orderId, { Error: 'HoldExpired' });
      w.stripe.succeed(failed.paymentIntentId);
      const both = [
        ['missed-payment-outcome', failed.orderId, failed.paymentIntentId],
        ['paid-without-order', failed.orderId, failed.paymentIntentId],
      ];
      expect(ids((await w.reconcile()).discrepancies).sort()).toEqual(both);

      const report = await w.reconcile({ remedies: EVERY_REMEDY });
      expect(report.discrepancies.map((d) => [d.kind, d.remedy?.outcome, d.remedy?.detail]).sort()).toEqual([
        ['missed-payment-outcome', 'applied', 'applied as the webhook would have been: refunded'],
        ['paid-without-order', 'applied', 'refund re_1 succeeded'],
      ]);
      expect(await w.records.get(failed.paymentIntentId)).toMatchObject({ state: 'SUCCEEDED', decidedBy: 'reconciliation' });
      // The compensation, retried after the remedies, sends the same refund: answered with it, not repeated.
      expect(await cancelOrRefundPayment(w.saga, failed.orderId)).toEqual({ paymentStatus: 'refunded' });
      expect(w.stripe.refundList.map((r) => [r.paymentIntentId, r.amount])).toEqual([[failed.paymentIntentId, 2400]]);
      expect([...w.stripe.refundKeys.keys()]).toEqual([`order-${failed.orderId}-refund`]);
      expect((await w.reconcile({ remedies: EVERY_REMEDY })).discrepancies).toEqual([]);
    });

    it('where the stage refunds nothing by itself, applying the lost webhook still refunds a failed order, as the webhook would have', async () => {
      const w = world();
      const failed = await w.awaiting();
      await markOrderFailed(w.saga, failed.orderId, { Error: 'HoldExpired' });
      w.stripe.succeed(failed.paymentIntentId);

      const report = await w.reconcile({ remedies: ['cancel-orphaned-payment-intent', 'apply-missed-payment-outcome'] });
      expect(report.discrepancies.map((d) => [d.kind, d.remedy?.name]).sort()).toEqual([
        ['missed-payment-outcome', 'apply-missed-payment-outcome'],
        ['paid-without-order', undefined],
      ]);
      expect(w.stripe.refundList.map((r) => [r.paymentIntentId, r.amount])).toEqual([[failed.paymentIntentId, 2400]]);
      expect((await w.reconcile()).discrepancies).toEqual([]);
    });

    it("a second PaymentIntent paid for a live order is refunded under keys of its own: the order's own refund later is not taken for it", async () => {
      const w = world();
      const paid = await w.paidOrder();
      w.stripe.add({ paymentIntentId: 'pi_ext_twice', status: 'succeeded', amount: EUR(2400), orderId: paid.orderId });

      const report = await w.reconcile({ remedies: EVERY_REMEDY });
      expect(report.discrepancies.map((d) => [d.kind, d.orderId, d.paymentIntentId, d.remedy?.outcome])).toEqual([
        ['paid-without-order', paid.orderId, 'pi_ext_twice', 'applied'],
      ]);
      expect(report.discrepancies[0]?.detail).toBe(`2400 eur taken; order ${paid.orderId} is paid by another PaymentIntent`);
      // The customer then cancels: the order's own payment is refunded too, not answered with the second one's refund.
      await cancelOrder(w.saga, 'c1', paid.orderId);
      expect(w.stripe.refundList.map((r) => [r.paymentIntentId, r.amount]).sort()).toEqual(
        [
          ['pi_ext_twice', 2400],
          [paid.paymentIntentId, 2400],
        ].sort(),
      );
    });

    it('a remedy that fails is reported as failed and audited; the others still run and the report is saved', async () => {
      const { w, orphan, missed } = await remediable();
      jest.spyOn(w.stripe, 'refund').mockRejectedValueOnce(new BusinessRuleError('Stripe refused the refund: Charge has already been refunded.'));
      jest.spyOn(w.stripe, 'cancel').mockRejectedValueOnce(new Error('socket hang up'));

      const report = await w.reconcile({ remedies: EVERY_REMEDY });
      expect(Object.fromEntries(report.discrepancies.map((d) => [d.kind, d.remedy]))).toEqual({
        'orphaned-payment-intent': { name: 'cancel-orphaned-payment-intent', outcome: 'failed', detail: 'Error: socket hang up' },
        'paid-without-order': { name: 'refund-paid-without-order', outcome: 'failed', detail: 'Stripe refused the refund: Charge has already been refunded.' },
        'missed-payment-outcome': { name: 'apply-missed-payment-outcome', outcome: 'applied', detail: 'applied as the webhook would have been: resumed' },
      });
      expect((await w.stripe.retrieve(orphan.paymentIntentId)).status).toBe('requires_payment_method');
      expect(await w.records.get(missed.paymentIntentId)).toMatchObject({ state: 'SUCCEEDED' });
      const failed = remedyEvents(w).filter((e) => e.outcome === 'failed');
      expect(failed.map((e) => [e.actor, e.action, e.detail]).sort()).toEqual(
        [
          [RECONCILIATION_ACTOR, 'reconciliation.cancel-orphaned-payment-intent', `orphaned-payment-intent ${orphan.paymentIntentId}: Error: socket hang up`],
          [
            RECONCILIATION_ACTOR,
            'reconciliation.refund-paid-without-order',
            'paid-without-order pi_ext_ghost: Stripe refused the refund: Charge has already been refunded.',
          ],
        ].sort(),
      );
      expect(w.reports.saved).toEqual([report]);
    });
  });

  it('saves the report (served as the latest) and audits the run with what it found', async () => {
    const w = world();
    await cleanHistory(w);
    w.at(45);
    const stuck = await w.awaiting();
    w.at(20);
    const drifted = await w.paidOrder();
    await w.stripe.refund(drifted.paymentIntentId, drifted.orderId, { amount: 700, idempotencyKey: 'dashboard-refund-1' });

    const report = await w.reconcile();
    expect(await w.reports.latest()).toEqual(report);
    expect(report).toEqual({
      runAt: RUN_AT.toISOString(),
      window: { from: '2026-11-19T10:00:00.000Z', to: '2026-11-22T09:55:00.000Z' },
      checked: CLEAN_CHECKED + 4,
      discrepancies: [
        {
          kind: 'stuck-awaiting-payment',
          orderId: stuck.orderId,
          paymentIntentId: stuck.paymentIntentId,
          detail: expect.stringContaining('AWAITING_PAYMENT since'),
        },
        {
          kind: 'refund-drift',
          orderId: drifted.orderId,
          paymentIntentId: drifted.paymentIntentId,
          detail: 'Stripe refunded 700; the order records 0 refunded',
        },
      ],
    });
    const runs = w.audit.events.filter((e) => e.action === 'reconciliation.run');
    expect(runs).toEqual([
      {
        at: RUN_AT.toISOString(),
        actor: 'system:reconciliation',
        action: 'reconciliation.run',
        target: 'payments',
        outcome: 'succeeded',
        detail: `${CLEAN_CHECKED + 4} checked from 2026-11-19T10:00:00.000Z to 2026-11-22T09:55:00.000Z; 2 discrepancies (stuck-awaiting-payment: 1, refund-drift: 1)`,
      },
    ]);
  });
});
