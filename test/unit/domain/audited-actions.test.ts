import { createHash } from 'node:crypto';
import { HmacCursorCodec } from '../../../shared/adapters/hmac-cursor-codec';
import { DenialAuditor, type Denial } from '../../../shared/domain/access/denial-audit';
import { archiveVendorProduct, createVendorProduct, createVendorProducts, updateVendorProduct } from '../../../shared/domain/catalog/vendor-products';
import { ConflictError, NotFoundError, ServiceUnavailableError, ValidationError } from '../../../shared/domain/errors';
import { entryHash, GENESIS_HASH } from '../../../shared/domain/operations/audit-chain';
import { audited } from '../../../shared/domain/operations/audit-trail';
import type { StoredOrder } from '../../../shared/domain/orders/order';
import { readOrdersAsAdmin } from '../../../shared/domain/orders/queries';
import type { AuditEvent } from '../../../shared/ports/audit-log';
import type { DenialMarks } from '../../../shared/ports/denial-marks';
import { FakeCatalog } from '../../support/fakes';
import { FakeAuditLog, FakeOrders } from '../../support/order-fakes';

const AT = '2026-12-06T03:00:00.000Z';
const now = () => new Date(AT);
const origin = { sourceIp: '203.0.113.7', requestId: 'req-42' };

describe('every audit entry carries the request id, and old entries keep their hash', () => {
  it('hashes an entry without requestId exactly as format 1 always did, and one with it over the id too', () => {
    const event: AuditEvent = { at: AT, actor: 'a', action: 'order.refund', target: 'order:1', outcome: 'succeeded', sourceIp: '10.0.0.1' };
    const link = { shard: 0, seq: 1, prev: GENESIS_HASH };
    // The canonical form of an entry written before requestId existed, spelled out: its stored hash must still verify.
    const v1 =
      '{"action":"order.refund","actor":"a","at":"2026-12-06T03:00:00.000Z","outcome":"succeeded",' +
      `"prev":"${GENESIS_HASH}","seq":1,"shard":0,"sourceIp":"10.0.0.1","target":"order:1","v":1}`;
    expect(entryHash(event, link)).toBe(createHash('sha256').update(v1, 'utf8').digest('hex'));
    expect(entryHash({ ...event, requestId: 'req-1' }, link)).not.toBe(entryHash(event, link));
    expect(entryHash({ ...event, requestId: 'req-1' }, link)).not.toBe(entryHash({ ...event, requestId: 'req-2' }, link));
  });
});

describe('audited', () => {
  const actor = { sub: 'someone', ...origin };
  const run = async (thrown?: Error) => {
    const audit = new FakeAuditLog();
    const result = audited({ audit, now }, actor, { action: 'thing.do', target: 'thing:1', detail: (n: number) => `got ${n}` }, async () => {
      if (thrown) throw thrown;
      return 7;
    });
    return { audit, result };
  };

  it('audits a result as succeeded, with actor, target, source IP, request id and detail', async () => {
    const { audit, result } = await run();
    await expect(result).resolves.toBe(7);
    expect(audit.events).toEqual([{ at: AT, actor: 'someone', action: 'thing.do', target: 'thing:1', outcome: 'succeeded', ...origin, detail: 'got 7' }]);
  });

  it('audits a refusal (a domain error) as denied with its message, and throws it on', async () => {
    const { audit, result } = await run(new ConflictError('too late'));
    await expect(result).rejects.toBeInstanceOf(ConflictError);
    expect(audit.events).toEqual([expect.objectContaining({ outcome: 'denied', detail: 'too late', target: 'thing:1' })]);
  });

  it('audits a failure of ours (any other error, or a 503) as failed with the error name only', async () => {
    const boom = await run(new TypeError('secret internals'));
    await expect(boom.result).rejects.toBeInstanceOf(TypeError);
    expect(boom.audit.events).toEqual([expect.objectContaining({ outcome: 'failed', detail: 'failed: TypeError' })]);
    const unavailable = await run(new ServiceUnavailableError('later', 5));
    await expect(unavailable.result).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(unavailable.audit.events).toEqual([expect.objectContaining({ outcome: 'failed', detail: 'failed: ServiceUnavailableError' })]);
  });

  it('leaves out the origin it does not know (a system actor)', async () => {
    const audit = new FakeAuditLog();
    await audited({ audit, now }, { sub: 'system' }, { action: 'x', target: 'y' }, async () => 1);
    expect(audit.events).toEqual([{ at: AT, actor: 'system', action: 'x', target: 'y', outcome: 'succeeded' }]);
  });
});

describe('a vendor\u2019s product changes are audited as the vendor', () => {
  let ids = 0;
  const setup = () => ({ repository: new FakeCatalog(), now, newId: () => `01JAUDIT${String(ids++).padStart(18, '0')}`, audit: new FakeAuditLog() });
  const vendor = { sub: 'vendor-a', ...origin };
  const mug = (sku: string) => ({ name: 'Mug', description: '', skus: [{ sku, name: sku, price: { amount: 900, currency: 'EUR' }, initialStock: 3 }] });

  it('create, update and archive: one entry each, target the product', async () => {
    const d = setup();
    const { productId } = await createVendorProduct(d, vendor, mug('AUD-1'));
    await updateVendorProduct(d, vendor, productId, { name: 'Big mug', skus: [{ sku: 'AUD-1', price: { amount: 1000, currency: 'EUR' } }] });
    await archiveVendorProduct(d, vendor, productId);
    const base = { at: AT, actor: 'vendor-a', target: `product:${productId}`, outcome: 'succeeded', ...origin };
    expect(d.audit.events).toEqual([
      { ...base, action: 'product.create', detail: 'SKUs AUD-1' },
      { ...base, action: 'product.update', detail: 'changed: name; sku AUD-1 (price)' },
      { ...base, action: 'product.archive' },
    ]);
  });

  it('refusals are denied: a taken SKU (target the vendor), another vendor\u2019s product', async () => {
    const d = setup();
    const { productId } = await createVendorProduct(d, vendor, mug('AUD-2'));
    await expect(createVendorProduct(d, { sub: 'vendor-b', ...origin }, mug('AUD-2'))).rejects.toBeInstanceOf(ConflictError);
    await expect(updateVendorProduct(d, { sub: 'vendor-b', ...origin }, productId, { name: 'Mine' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(archiveVendorProduct(d, { sub: 'vendor-b', ...origin }, productId)).rejects.toBeInstanceOf(NotFoundError);
    expect(d.audit.events.slice(1).map((e) => [e.actor, e.action, e.target, e.outcome])).toEqual([
      ['vendor-b', 'product.create', 'vendor:vendor-b', 'denied'],
      ['vendor-b', 'product.update', `product:${productId}`, 'denied'],
      ['vendor-b', 'product.archive', `product:${productId}`, 'denied'],
    ]);
  });

  it('a batch is one entry with the counts, the products created and the ones refused', async () => {
    const d = setup();
    const invalid = new ValidationError('The product is invalid', [{ path: 'body.products.1.name', message: 'Too small' }]);
    const outcomes = await createVendorProducts(d, vendor, [mug('AUD-3'), invalid, mug('AUD-3'), mug('AUD-4')]);
    const created = outcomes.flatMap((o) => ('product' in o ? [o.product.productId] : []));
    expect(d.audit.events).toEqual([
      {
        at: AT,
        actor: 'vendor-a',
        action: 'product.create-batch',
        target: 'vendor:vendor-a',
        outcome: 'succeeded',
        ...origin,
        detail: `2 of 4 created: product:${created[0]}, product:${created[1]}; refused: #1 ValidationError, #2 ConflictError`,
      },
    ]);
  });
});

describe('an admin\u2019s read of orders (names, e-mail, addresses) is audited', () => {
  const orders = new FakeOrders();
  for (const orderId of ['01A', '01B']) {
    const order: StoredOrder = {
      orderId,
      customerId: `c-${orderId}`,
      status: 'CONFIRMED',
      lines: [],
      total: { amount: 100, currency: 'EUR' },
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-01T00:00:00.000Z',
    };
    orders.orders.set(orderId, order);
  }
  const cursors = new HmacCursorCodec(async () => 'k'.repeat(32));

  it('as personal-data.read on the status, with the ids shown; a refused read as denied', async () => {
    const audit = new FakeAuditLog();
    const deps = { orders, cursors, now, audit };
    const admin = { sub: 'admin-1', ...origin };
    await readOrdersAsAdmin(deps, admin, { status: 'CONFIRMED', limit: 10 });
    await expect(
      readOrdersAsAdmin(deps, admin, { status: 'CONFIRMED', limit: 10, from: '2026-12-05T00:00:00Z', to: '2026-12-01T00:00:00Z' }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(audit.events).toEqual([
      { at: AT, actor: 'admin-1', action: 'personal-data.read', target: 'orders:CONFIRMED', outcome: 'succeeded', ...origin, detail: '2 orders: 01B, 01A' },
      expect.objectContaining({ action: 'personal-data.read', outcome: 'denied', detail: 'from must not be later than to' }),
    ]);
  });
});

describe('DenialAuditor: at most one audited denial per caller and minute', () => {
  class Marks implements DenialMarks {
    readonly claimed = new Set<string>();
    calls = 0;
    fail = false;
    async claim(who: string, minute: string) {
      this.calls += 1;
      if (this.fail) throw new Error('table unavailable');
      const key = `${who}|${minute}`;
      if (this.claimed.has(key)) return false;
      this.claimed.add(key);
      return true;
    }
  }
  const denial = (over: Partial<Denial> = {}): Denial => ({
    sourceIp: '192.0.2.1',
    requestId: 'req-d',
    route: 'GET /admin/orders',
    status: 401,
    reason: 'no verified identity',
    ...over,
  });

  it('audits the first denial of a caller in a minute and drops the rest, in this container without a call', async () => {
    let clock = new Date('2026-12-06T03:00:05Z');
    const audit = new FakeAuditLog();
    const marks = new Marks();
    const auditor = new DenialAuditor({ audit, marks, now: () => clock });
    expect(await auditor.record(denial())).toBe('audited');
    for (let i = 0; i < 50; i++) expect(await auditor.record(denial())).toBe('dropped');
    expect(marks.calls).toBe(1);
    expect(await auditor.record(denial({ sub: 'cust-1', status: 403, reason: 'route needs one of admin' }))).toBe('audited');
    expect(await auditor.record(denial({ sourceIp: '192.0.2.2' }))).toBe('audited');
    clock = new Date('2026-12-06T03:01:00Z');
    expect(await auditor.record(denial())).toBe('audited');
    expect(audit.events).toHaveLength(4);
    expect(audit.events[0]).toEqual({
      at: '2026-12-06T03:00:05.000Z',
      actor: 'anonymous',
      action: 'auth.denied',
      target: 'route:GET /admin/orders',
      outcome: 'denied',
      sourceIp: '192.0.2.1',
      requestId: 'req-d',
      detail: '401: no verified identity; first denial of ip:192.0.2.1 in minute 2026-12-06T03:00Z, later ones that minute are not recorded',
    });
    expect(audit.events[1]).toMatchObject({ actor: 'cust-1', outcome: 'denied', detail: expect.stringContaining('403: route needs one of admin') as unknown });
  });

  it('drops a denial whose minute another container audited already (the mark)', async () => {
    const audit = new FakeAuditLog();
    const marks = new Marks();
    const one = new DenialAuditor({ audit, marks, now });
    const two = new DenialAuditor({ audit, marks, now });
    expect(await one.record(denial())).toBe('audited');
    expect(await two.record(denial())).toBe('dropped');
    expect(audit.events).toHaveLength(1);
  });

  it('never throws: a trail that fails or is slow is reported as failed within the budget', async () => {
    const marks = new Marks();
    marks.fail = true;
    const auditor = new DenialAuditor({ audit: new FakeAuditLog(), marks, now });
    expect(await auditor.record(denial())).toBe('failed');
    // Not remembered as audited: the next denial tries again.
    expect(await auditor.record(denial())).toBe('failed');
    expect(marks.calls).toBe(2);

    const slow = new FakeAuditLog();
    slow.append = () => new Promise(() => undefined);
    const hung = new DenialAuditor({ audit: slow, marks: new Marks(), now }, 50);
    const started = Date.now();
    expect(await hung.record(denial())).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
