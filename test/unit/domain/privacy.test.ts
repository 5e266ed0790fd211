import { TooManyRequestsError } from '../../../shared/domain/errors';
import type { StoredOrder } from '../../../shared/domain/orders/order';
import { carryOutErasure, ErasureMustWaitError, type ErasureDeps, PSEUDONYM_PREFIX, purgeAt, requestErasure } from '../../../shared/domain/privacy/erasure';
import { exportPersonalData, type ExportDeps } from '../../../shared/domain/privacy/export';
import type { AuditEvent } from '../../../shared/ports/audit-log';
import type {
  AuditHistory,
  CustomerAccount,
  CustomerAccounts,
  ErasureRequest,
  FulfilmentErasure,
  PaymentCustomers,
  PersonalDataStore,
} from '../../../shared/ports/personal-data';
import { FakeCarts } from '../../support/fakes';
import { BERLIN, FakeAddressBook, FakeAuditLog, FakeOrders, FakePaymentRecords, FakePayments, FakeStock, FakeWaits } from '../../support/order-fakes';

const SUB = '5b1f0c8e-1111-4222-8333-944455556666';
const EMAIL = 'erika@example.com';
const AT = new Date('2026-12-05T10:00:00.000Z');

class FakeAccounts implements CustomerAccounts {
  readonly accounts = new Map<string, CustomerAccount>();
  readonly signedOut: string[] = [];
  async find(sub: string) {
    return this.accounts.get(sub);
  }
  async signOutEverywhere(sub: string) {
    this.signedOut.push(sub);
  }
  async delete(sub: string) {
    this.accounts.delete(sub);
  }
}

/** The orders table's personal items over the fakes: pseudonymising rewrites the fake order as the adapter does the item. */
class FakePersonalData implements PersonalDataStore {
  readonly lastExport = new Map<string, number>();
  readonly purges = new Map<string, number>();
  constructor(
    private readonly orders: FakeOrders,
    private readonly carts: FakeCarts,
    private readonly addresses: FakeAddressBook,
  ) {}
  async pseudonymiseOrder(orderId: string, change: { customerId: string; pseudonym: string; purgeAt: number }) {
    const order = this.orders.orders.get(orderId);
    if (order?.customerId !== change.customerId) return false;
    const { shipping: _personal, ...rest } = order;
    this.orders.orders.set(orderId, { ...rest, customerId: change.pseudonym });
    this.purges.set(orderId, change.purgeAt);
    return true;
  }
  async deleteCustomerItems(customerId: string) {
    await this.carts.delete(customerId);
    this.addresses.addresses.delete(customerId);
    this.lastExport.delete(customerId);
  }
  async claimExport(customerId: string, at: Date, intervalSeconds: number) {
    const now = Math.floor(at.getTime() / 1000);
    const last = this.lastExport.get(customerId);
    if (last !== undefined && now - last < intervalSeconds) return { allowed: false as const, retryAfterSeconds: last + intervalSeconds - now };
    this.lastExport.set(customerId, now);
    return { allowed: true as const };
  }
}

class FakeHistory implements AuditHistory {
  constructor(private readonly audit: FakeAuditLog) {}
  async byActor(actor: string, limit: number) {
    const mine = [...this.audit.events].reverse().filter((e) => e.actor === actor);
    return { items: mine.slice(0, limit), more: mine.length > limit };
  }
}

class FakeStripeCustomers implements PaymentCustomers {
  readonly customers = new Map<string, string>([['cus_1', EMAIL]]);
  async deleteByEmail(emails: readonly string[]) {
    const ids = [...this.customers].filter(([, e]) => emails.includes(e)).map(([id]) => id);
    for (const id of ids) this.customers.delete(id);
    return ids.length;
  }
}

class FakeFulfilment implements FulfilmentErasure {
  readonly notices: Array<{ reference: string; orderIds: readonly string[] }> = [];
  async erase(notice: { reference: string; orderIds: readonly string[] }) {
    this.notices.push(notice);
  }
}

function world() {
  const orders = new FakeOrders();
  const carts = new FakeCarts();
  const addresses = new FakeAddressBook();
  const audit = new FakeAuditLog();
  const accounts = new FakeAccounts();
  const store = new FakePersonalData(orders, carts, addresses);
  const stock = new FakeStock();
  const payments = new FakePayments();
  const waits = new FakeWaits();
  const records = new FakePaymentRecords();
  const stripeCustomers = new FakeStripeCustomers();
  const fulfilment = new FakeFulfilment();
  accounts.accounts.set(SUB, { attributes: { sub: SUB, email: EMAIL, email_verified: 'true' }, groups: ['customer'], enabled: true });
  addresses.addresses.set(SUB, BERLIN);
  carts.carts.set(SUB, { customerId: SUB, lines: [{ sku: 'SKU-1', quantity: 2 }], version: 1, updatedAt: AT.toISOString(), expiresAt: 2_000_000_000 });
  const now = () => AT;
  const exportDeps: ExportDeps = { accounts, carts, addresses, orders, records, history: new FakeHistory(audit), store, audit, now, intervalSeconds: 3_600 };
  const erasureDeps: ErasureDeps = {
    accounts,
    orders,
    store,
    stock,
    payments,
    waits,
    paymentCustomers: stripeCustomers,
    fulfilment,
    audit,
    now,
    retentionDays: 30,
  };
  return { orders, carts, addresses, audit, accounts, store, stock, payments, waits, records, stripeCustomers, fulfilment, exportDeps, erasureDeps };
}

function order(orderId: string, status: StoredOrder['status'], extra: Partial<StoredOrder> = {}): StoredOrder {
  return {
    orderId,
    customerId: SUB,
    status,
    lines: [
      {
        sku: 'SKU-1',
        productId: 'P1',
        vendorId: 'V1',
        quantity: 1,
        unitPrice: { amount: 1_000, currency: 'EUR' },
        lineTotal: { amount: 1_000, currency: 'EUR' },
      },
    ],
    total: { amount: 1_000, currency: 'EUR' },
    shipping: { address: BERLIN, email: EMAIL, option: { id: 'pickup', label: 'Pickup' }, amount: { amount: 0, currency: 'EUR' } },
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    ...extra,
  };
}

/** Everything an audit event says, as one string: no customer id, e-mail or address may appear in it. */
const said = (events: readonly AuditEvent[]) => JSON.stringify(events);

describe('exportPersonalData', () => {
  it('holds the profile, cart, address, orders without client secrets, payments and own audit events, and is audited', async () => {
    const w = world();
    w.orders.orders.set(
      'O1',
      order('O1', 'AWAITING_PAYMENT', {
        payment: { provider: 'stripe', paymentIntentId: 'pi_1', status: 'requires_payment_method', clientSecret: 'pi_1_secret' },
      }),
    );
    await w.records.open({ paymentIntentId: 'pi_1', orderId: 'O1', amount: { amount: 1_000, currency: 'EUR' }, createdAt: '2026-12-01T00:00:00.000Z' });
    await w.audit.append({ at: '2026-12-02T00:00:00.000Z', actor: SUB, action: 'order.cancelled', target: 'order:O0', outcome: 'succeeded' });

    const exported = await exportPersonalData(w.exportDeps, { sub: SUB, sourceIp: '127.0.0.1' });

    expect(exported.profile?.attributes.email).toBe(EMAIL);
    expect(exported.cart?.lines).toEqual([{ sku: 'SKU-1', quantity: 2 }]);
    expect(exported.defaultAddress).toEqual(BERLIN);
    expect(exported.orders.map((o) => [o.orderId, o.shipping?.email, o.payment?.clientSecret])).toEqual([['O1', EMAIL, undefined]]);
    expect(exported.payments).toEqual([expect.objectContaining({ paymentIntentId: 'pi_1', orderId: 'O1', state: 'PENDING' })]);
    expect(exported.auditEvents.map((e) => e.action)).toEqual(['order.cancelled']);
    expect(exported.complete).toBe(true);
    expect(w.audit.events.at(-1)).toMatchObject({ actor: SUB, action: 'personal-data.exported', outcome: 'succeeded', sourceIp: '127.0.0.1' });
    expect(w.audit.events.at(-1)?.detail).not.toContain(EMAIL);
  });

  it('allows one export per interval: the next is refused with the seconds until it is allowed', async () => {
    const w = world();
    await exportPersonalData(w.exportDeps, { sub: SUB });
    const later = { ...w.exportDeps, now: () => new Date(AT.getTime() + 600_000) };
    const refusal = await exportPersonalData(later, { sub: SUB }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(TooManyRequestsError);
    expect((refusal as TooManyRequestsError).retryAfterSeconds).toBe(3_000);
    await expect(exportPersonalData({ ...w.exportDeps, now: () => new Date(AT.getTime() + 3_600_000) }, { sub: SUB })).resolves.toBeDefined();
  });

  it('finds nothing for an erased account', async () => {
    const w = world();
    w.accounts.accounts.delete(SUB);
    const exported = await exportPersonalData(w.exportDeps, { sub: SUB });
    expect(exported).toMatchObject({ profile: null, cart: null, defaultAddress: null, orders: [], payments: [], auditEvents: [] });
  });
});

describe('requestErasure', () => {
  it("queues the request with a fresh pseudonym and audits it under the pseudonym, never the customer's id", async () => {
    const w = world();
    const queued: ErasureRequest[] = [];
    const deps = { requests: { submit: async (r: ErasureRequest) => void queued.push(r) }, audit: w.audit, now: () => AT, newId: () => 'r4nd0m' };
    await requestErasure(deps, { customerId: SUB, requestedBy: { kind: 'customer' } });
    await requestErasure(deps, { customerId: SUB, requestedBy: { kind: 'admin', sub: 'admin-sub' } });
    expect(queued).toEqual([
      { customerId: SUB, pseudonym: `${PSEUDONYM_PREFIX}r4nd0m`, requestedAt: AT.toISOString(), requestedBy: 'customer' },
      { customerId: SUB, pseudonym: `${PSEUDONYM_PREFIX}r4nd0m`, requestedAt: AT.toISOString(), requestedBy: 'admin' },
    ]);
    expect(w.audit.events.map((e) => [e.actor, e.action, e.target])).toEqual([
      [`${PSEUDONYM_PREFIX}r4nd0m`, 'erasure.requested', `customer:${PSEUDONYM_PREFIX}r4nd0m`],
      ['admin-sub', 'erasure.requested', `customer:${PSEUDONYM_PREFIX}r4nd0m`],
    ]);
    expect(said(w.audit.events)).not.toContain(SUB);
  });
});

describe('carryOutErasure', () => {
  const request: ErasureRequest = { customerId: SUB, pseudonym: `${PSEUDONYM_PREFIX}p1`, requestedAt: AT.toISOString(), requestedBy: 'customer' };

  it('cancels an order awaiting payment first, then pseudonymises every order and deletes the rest, audited under the pseudonym', async () => {
    const w = world();
    const intent = await w.payments.createPaymentIntent({ orderId: 'O1', amount: { amount: 1_000, currency: 'EUR' } });
    w.orders.orders.set(
      'O1',
      order('O1', 'AWAITING_PAYMENT', {
        payment: { provider: 'stripe', paymentIntentId: intent.paymentIntentId, status: intent.status },
        paymentTaskToken: 'token-1',
      }),
    );
    w.orders.orders.set('O2', order('O2', 'FULFILLED', { fulfilmentReference: 'shp_1' }));
    w.orders.orders.set('O3', { ...order('O3', 'FULFILLED'), customerId: 'someone-else' });

    const outcome = await carryOutErasure(w.erasureDeps, request);

    expect(outcome).toEqual({ kind: 'erased', orders: 2, cancelled: 1, paymentCustomers: 1 });
    expect(w.orders.orders.get('O1')).toMatchObject({ status: 'CANCELLED', customerId: request.pseudonym });
    expect(w.payments.calls).toContain(`cancel:${intent.paymentIntentId}`);
    expect(w.waits.answers).toEqual([expect.objectContaining({ token: 'token-1', kind: 'fail' })]);
    for (const id of ['O1', 'O2']) {
      const erased = w.orders.orders.get(id);
      expect(erased?.shipping).toBeUndefined();
      expect(erased?.total).toEqual({ amount: 1_000, currency: 'EUR' });
      expect(w.store.purges.get(id)).toBe(purgeAt({ createdAt: '2026-12-01T00:00:00.000Z' }, 30));
    }
    expect(w.orders.orders.get('O3')?.customerId).toBe('someone-else');
    expect(await w.carts.get(SUB)).toBeUndefined();
    expect(w.addresses.addresses.has(SUB)).toBe(false);
    expect(w.accounts.accounts.has(SUB)).toBe(false);
    expect(w.accounts.signedOut).toEqual([SUB]);
    expect(w.stripeCustomers.customers.size).toBe(0);
    expect(w.fulfilment.notices).toEqual([{ reference: request.pseudonym, orderIds: ['O2'] }]);
    expect(w.audit.events.at(-1)).toMatchObject({ actor: 'erasure', action: 'customer.erased', target: `customer:${request.pseudonym}`, outcome: 'succeeded' });
    expect(said(w.audit.events)).not.toContain(SUB);
    expect(said(w.audit.events)).not.toContain(EMAIL);
  });

  it('changes nothing more when repeated', async () => {
    const w = world();
    w.orders.orders.set('O2', order('O2', 'FULFILLED'));
    await carryOutErasure(w.erasureDeps, request);
    const before = structuredClone([...w.orders.orders.values()]);
    const again = await carryOutErasure(w.erasureDeps, { ...request, pseudonym: `${PSEUDONYM_PREFIX}p2` });
    expect(again).toEqual({ kind: 'erased', orders: 0, cancelled: 0, paymentCustomers: 0 });
    expect([...w.orders.orders.values()]).toEqual(before);
  });

  it.each(['CONFIRMED', 'PENDING', 'RESERVED'] as const)('waits while an order is %s, having erased nothing', async (status) => {
    const w = world();
    w.orders.orders.set('O1', order('O1', status));
    await expect(carryOutErasure(w.erasureDeps, request)).rejects.toBeInstanceOf(ErasureMustWaitError);
    expect(w.orders.orders.get('O1')?.customerId).toBe(SUB);
    expect(w.accounts.accounts.has(SUB)).toBe(true);
    expect(w.addresses.addresses.has(SUB)).toBe(true);
  });

  it('waits for an order paid after it was listed as awaiting payment: it is not cancelled and refunded', async () => {
    const w = world();
    const intent = await w.payments.createPaymentIntent({ orderId: 'O1', amount: { amount: 1_000, currency: 'EUR' } });
    const payment = { provider: 'stripe' as const, paymentIntentId: intent.paymentIntentId, status: intent.status };
    w.orders.orders.set('O1', order('O1', 'AWAITING_PAYMENT', { payment }));
    // The customer pays (and the saga confirms) between the listing and the cancellation.
    const list = w.orders.listByCustomer.bind(w.orders);
    w.orders.listByCustomer = async (...args) => {
      const page = await list(...args);
      w.payments.succeed(intent.paymentIntentId);
      w.orders.orders.set('O1', order('O1', 'CONFIRMED', { payment: { ...payment, status: 'succeeded' } }));
      return page;
    };
    await expect(carryOutErasure(w.erasureDeps, request)).rejects.toBeInstanceOf(ErasureMustWaitError);
    expect(w.orders.orders.get('O1')).toMatchObject({ status: 'CONFIRMED', customerId: SUB });
    expect(w.payments.calls.filter((c) => c.startsWith('cancel') || c.startsWith('refund'))).toEqual([]);
    expect(w.accounts.accounts.has(SUB)).toBe(true);
  });

  it('refuses a staff account and audits the refusal', async () => {
    const w = world();
    w.accounts.accounts.set(SUB, { attributes: { sub: SUB }, groups: ['vendor'], enabled: true });
    expect(await carryOutErasure(w.erasureDeps, request)).toMatchObject({ kind: 'refused' });
    expect(w.accounts.accounts.has(SUB)).toBe(true);
    expect(w.audit.events.at(-1)).toMatchObject({ action: 'customer.erased', outcome: 'denied' });
  });
});
