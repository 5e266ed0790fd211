import { createProduct } from '../../../shared/domain/catalog/catalog';
import { ConflictError, NotFoundError } from '../../../shared/domain/errors';
import { adjustStock } from '../../../shared/domain/inventory/adjust-stock';
import { decideAdjustment, VENDOR_SOURCE } from '../../../shared/domain/inventory/conflict-rules';
import { FakeCatalog } from '../../support/fakes';
import { FakeInventoryLedger } from '../../support/inventory-fakes';
import { FakeAuditLog } from '../../support/order-fakes';

let ids = 0;
const newId = () => `01JADJUST${String(ids++).padStart(17, '0')}`;
const now = () => new Date('2026-11-22T10:00:00Z');

async function shop(options: { reserved?: number; stockSource?: string } = {}) {
  const repository = new FakeCatalog();
  const product = await createProduct({ repository, now, newId }, 'vendor-a', {
    name: 'Mug',
    description: '',
    skus: [{ sku: 'MUG-1', name: 'Mug', price: { amount: 1800, currency: 'EUR' }, initialStock: 10 }],
  });
  const record = repository.records.get(product.productId)!;
  repository.records.set(product.productId, {
    ...record,
    skus: record.skus.map((s) => ({ ...s, reserved: options.reserved ?? 0, ...(options.stockSource ? { stockSource: options.stockSource } : {}) })),
  });
  const ledger = new FakeInventoryLedger(repository, { warehouse: 10 });
  const audit = new FakeAuditLog();
  return { deps: { repository, ledger, audit, now, newId }, productId: product.productId, repository, ledger, audit };
}
const onHandOf = (s: Awaited<ReturnType<typeof shop>>) => s.repository.records.get(s.productId)!.skus[0]!.onHand;

describe('a vendor\u2019s stock adjustment (POST /vendor/products/{productId}/stock)', () => {
  it('sets or changes onHand through the ledger, audits it and answers the product', async () => {
    const s = await shop({ reserved: 3 });
    const product = await adjustStock(s.deps, { sub: 'vendor-a', sourceIp: '203.0.113.9' }, s.productId, { sku: 'MUG-1', delta: 5, reason: 'restock' });
    expect(product.skus[0]).toMatchObject({ sku: 'MUG-1', available: 12 });
    await adjustStock(s.deps, { sub: 'vendor-a' }, s.productId, { sku: 'MUG-1', onHand: 4, reason: 'stock count' });
    expect(onHandOf(s)).toBe(4);
    expect(s.ledger.entries.map((e) => [e.providerId, e.before, e.after, e.version, e.reason])).toEqual([
      [VENDOR_SOURCE, 10, 15, 1, 'restock'],
      [VENDOR_SOURCE, 15, 4, 2, 'stock count'],
    ]);
    expect(s.audit.events).toEqual([
      expect.objectContaining({
        actor: 'vendor-a',
        action: 'stock.adjust',
        target: 'sku:MUG-1',
        outcome: 'succeeded',
        sourceIp: '203.0.113.9',
        detail: 'onHand +5: restock (10 -> 15)',
      }),
      expect.objectContaining({ outcome: 'succeeded', detail: 'onHand set to 4: stock count (15 -> 4)' }),
    ]);
  });

  it('never goes below what is reserved: 409, audited as denied, nothing changed', async () => {
    const s = await shop({ reserved: 6 });
    await expect(adjustStock(s.deps, { sub: 'vendor-a' }, s.productId, { sku: 'MUG-1', onHand: 5, reason: 'count' })).rejects.toBeInstanceOf(ConflictError);
    await expect(adjustStock(s.deps, { sub: 'vendor-a' }, s.productId, { sku: 'MUG-1', delta: -5, reason: 'breakage' })).rejects.toBeInstanceOf(ConflictError);
    await expect(adjustStock(s.deps, { sub: 'vendor-a' }, s.productId, { sku: 'MUG-1', delta: -20, reason: 'breakage' })).rejects.toBeInstanceOf(ConflictError);
    expect(onHandOf(s)).toBe(10);
    expect(s.ledger.entries).toEqual([]);
    expect(s.audit.events.map((e) => e.outcome)).toEqual(['denied', 'denied', 'denied']);
    // Down to exactly what is reserved is allowed.
    await adjustStock(s.deps, { sub: 'vendor-a' }, s.productId, { sku: 'MUG-1', delta: -4, reason: 'breakage' });
    expect(onHandOf(s)).toBe(6);
  });

  it('leaves a SKU an inventory provider feeds to that provider (409), as a lower-priority provider would be', async () => {
    const s = await shop({ stockSource: 'warehouse' });
    await expect(adjustStock(s.deps, { sub: 'vendor-a' }, s.productId, { sku: 'MUG-1', onHand: 50, reason: 'count' })).rejects.toThrow(
      /follows inventory provider warehouse/,
    );
    expect(onHandOf(s)).toBe(10);
    expect(s.audit.events).toEqual([expect.objectContaining({ outcome: 'denied' })]);
  });

  it('answers 404 for another vendor\u2019s product and for a SKU that is not the product\u2019s, auditing nothing', async () => {
    const s = await shop();
    await expect(adjustStock(s.deps, { sub: 'vendor-b' }, s.productId, { sku: 'MUG-1', delta: 1, reason: 'mine?' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(adjustStock(s.deps, { sub: 'vendor-a' }, s.productId, { sku: 'OTHER-1', delta: 1, reason: 'typo' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(adjustStock(s.deps, { sub: 'vendor-a' }, '01JNOPRODUCT0000000000000', { sku: 'MUG-1', delta: 1, reason: 'gone' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(onHandOf(s)).toBe(10);
    expect(s.audit.events).toEqual([]);
  });

  it('decides each adjustment after the newest one applied, under the providers\u2019 rules', () => {
    const adjustment = { adjustmentId: 'a1', vendorId: 'v', sku: 'S', change: { delta: 2 }, reason: 'r' };
    expect(decideAdjustment({ onHand: 5, reserved: 1, versions: { [VENDOR_SOURCE]: 7 } }, adjustment, 'now')).toMatchObject({
      kind: 'apply',
      onHand: 7,
      update: { providerId: VENDOR_SOURCE, version: 8, onHand: 7 },
    });
    // A provider of the lowest priority still outranks a vendor.
    expect(decideAdjustment({ onHand: 5, reserved: 0, versions: {}, source: { providerId: 'p0', priority: 0 } }, adjustment, 'now')).toEqual({
      kind: 'outranked',
      by: 'p0',
    });
  });
});
