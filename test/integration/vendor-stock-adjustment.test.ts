import { randomBytes } from 'node:crypto';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbInventoryLedger } from '../../shared/adapters/dynamodb-inventory-ledger';
import { VENDOR_SOURCE } from '../../shared/domain/inventory/conflict-rules';
import type { VendorStockAdjustment } from '../../shared/domain/model/inventory';
import { dynamoDbClient, tableNamed, testEndpoints } from '../support/endpoints';
import { stockedSkus } from '../support/order-builders';
import { runtimeStores } from '../support/runtime-stores';

/**
 * Vendor adjustments through the real inventory ledger against DynamoDB Local: a delta is taken from what is on hand
 * when it is written, so adjustments racing each other and a provider's update all count, and none leaves onHand
 * below what is reserved.
 */
describe('vendor stock adjustments in the inventory ledger (DynamoDB Local)', () => {
  const endpoints = testEndpoints();
  const catalogTable = tableNamed(endpoints, 'CatalogTable');
  const dynamodb = dynamoDbClient(endpoints, { maxAttempts: 5 });
  const catalog = new DynamoDbCatalogRepository(dynamodb, catalogTable);
  const ledger = new DynamoDbInventoryLedger(dynamodb, catalogTable, { maxAttempts: 20 });
  const { stock } = runtimeStores(endpoints);
  afterAll(() => dynamodb.destroy());
  const tag = randomBytes(3).toString('hex');
  let n = 0;
  const adjustment = (sku: string, change: VendorStockAdjustment['change']): VendorStockAdjustment => ({
    adjustmentId: `adj-${tag}-${++n}`,
    vendorId: 'vendor-adjust',
    sku,
    change,
    reason: 'integration',
  });

  it('applies concurrent deltas one after another, each from the onHand it finds', async () => {
    const [probe] = await stockedSkus(catalog, { prefix: 'VADJ', stock: 10 });
    const results = await Promise.all(Array.from({ length: 6 }, () => ledger.adjust(adjustment(probe!.sku, { delta: 2 }), new Date().toISOString())));
    expect(results.every((r) => r.kind === 'applied')).toBe(true);
    expect((await stock(probe!.sku)).onHand).toBe(22);
    const history = await ledger.history(probe!.sku, 10);
    expect(history).toHaveLength(6);
    expect(history.every((e) => e.providerId === VENDOR_SOURCE && e.after === e.before! + 2)).toBe(true);
    expect(new Set(history.map((e) => e.version)).size).toBe(6);
  });

  it('refuses below reserved and after a provider took the SKU, writing nothing', async () => {
    const [probe] = await stockedSkus(catalog, { prefix: 'VADJ', stock: 5 });
    expect(await ledger.adjust(adjustment(probe!.sku, { delta: -6 }), new Date().toISOString())).toEqual({
      kind: 'below-reserved',
      requested: -1,
      reserved: 0,
    });
    const provider = {
      providerId: 'vadj-provider',
      priority: 0,
      eventId: `evt-${tag}`,
      externalSku: 'EXT',
      sku: probe!.sku,
      onHand: 9,
      version: 1,
      occurredAt: new Date().toISOString(),
    };
    expect((await ledger.apply(provider, new Date().toISOString())).outcome).toBe('apply');
    expect(await ledger.adjust(adjustment(probe!.sku, { onHand: 20 }), new Date().toISOString())).toEqual({ kind: 'outranked', by: 'vadj-provider' });
    expect((await stock(probe!.sku)).onHand).toBe(9);
    expect(await ledger.adjust(adjustment(`NOPE-${tag}`, { delta: 1 }), new Date().toISOString())).toEqual({ kind: 'unknown-sku' });
  });
});
