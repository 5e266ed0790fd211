import { createProduct } from '../../../shared/domain/catalog/catalog';
import { BusinessRuleError } from '../../../shared/domain/errors';
import { parseInventoryProviders } from '../../../shared/domain/inventory/provider-config';
import { checkout } from '../../../shared/domain/orders/checkout';
import { FakeCarts, FakeCatalog } from '../../support/fakes';
import { FakeHealth } from '../../support/inventory-fakes';
import { FakeOrders, freeShippingTo } from '../../support/order-fakes';

const now = () => new Date('2026-11-22T10:00:00Z');
let ids = 0;
const newId = () => `01JLIVE${String(ids++).padStart(19, '0')}`;

const provider = (priority: number) => ({
  priority,
  apiUrl: 'https://provider.example.com/api/',
  units: { each: 1 },
  defaultUnit: 'each',
  rounding: 'down' as const,
  skus: {},
  prefixes: [],
  outbound: { timeoutMs: 2000, maxAttempts: 3, failureThreshold: 5, openSeconds: 30 },
});
const providers = parseInventoryProviders({
  providers: { acme: provider(20), north: provider(10) },
  requireLiveStock: { skus: ['BOWL'], prefixes: ['LIVE-'] },
});

/**
 * Checkout while a provider's circuit is open: a SKU that sells only on live stock and follows that provider is
 * refused (422) with nothing written and no saga; every other SKU, that provider's included, sells on our stock.
 */
describe('checkout: live stock while a provider is unavailable', () => {
  async function setup() {
    const catalog = new FakeCatalog();
    const catalogDeps = { repository: catalog, now, newId };
    const skus = [
      { sku: 'BOWL', source: 'acme' }, // live, acme
      { sku: 'LIVE-JUG', source: 'north' }, // live, north
      { sku: 'LIVE-CUP', source: undefined }, // live by name, but only Stockade stocks it
      { sku: 'MUG', source: 'acme' }, // acme, not live
    ];
    for (const { sku } of skus) {
      await createProduct(catalogDeps, 'v1', {
        name: sku,
        description: '',
        skus: [{ sku, name: sku, price: { amount: 1000, currency: 'EUR' }, initialStock: 5 }],
      });
    }
    // The inventory ledger sets stockSource when it applies a provider's stock.
    for (const record of catalog.records.values()) {
      const source = skus.find((s) => s.sku === record.skus[0]?.sku)?.source;
      if (source) catalog.records.set(record.product.productId, { ...record, skus: record.skus.map((s) => ({ ...s, stockSource: source })) });
    }
    const orders = new FakeOrders();
    const started: string[] = [];
    const health = new FakeHealth();
    const deps = {
      orders,
      carts: new FakeCarts(),
      catalog,
      workflow: { start: async (id: string) => void started.push(id) },
      now,
      newId,
      liveStock: { providers, health },
      ...freeShippingTo(['c1']),
    };
    return { deps, orders, started, health };
  }

  it('refuses a live-stock SKU of the open provider with 422 and writes nothing; the same key works once it recovers', async () => {
    const { deps, orders, started, health } = await setup();
    health.open.add('acme');
    const attempt = checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-live-000000000001', {
      items: [
        { sku: 'MUG', quantity: 1 },
        { sku: 'BOWL', quantity: 1 },
      ],
    });
    await expect(attempt).rejects.toBeInstanceOf(BusinessRuleError);
    await expect(attempt).rejects.toThrow('live stock unavailable for SKU BOWL, try again later');
    expect(orders.orders.size).toBe(0);
    expect(started).toEqual([]);

    health.open.delete('acme');
    const accepted = await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-live-000000000001', {
      items: [
        { sku: 'MUG', quantity: 1 },
        { sku: 'BOWL', quantity: 1 },
      ],
    });
    expect(accepted.status).toBe('PENDING');
    expect(started).toEqual([accepted.orderId]);
  });

  it("sells the open provider's other SKUs, and other providers' live SKUs, on our stock", async () => {
    const { deps, orders, health } = await setup();
    health.open.add('acme');
    await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-live-000000000002', { items: [{ sku: 'MUG', quantity: 2 }] });
    await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-live-000000000003', {
      items: [
        { sku: 'LIVE-JUG', quantity: 1 },
        { sku: 'LIVE-CUP', quantity: 1 },
      ],
    });
    expect(orders.orders.size).toBe(2);
    // Only the providers live SKUs follow are asked about, each once.
    expect(health.asked).toEqual(['north']);
  });

  it('names every refused SKU', async () => {
    const { deps, health } = await setup();
    health.open.add('acme').add('north');
    await expect(
      checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-live-000000000004', {
        items: [
          { sku: 'BOWL', quantity: 1 },
          { sku: 'LIVE-JUG', quantity: 1 },
          { sku: 'LIVE-CUP', quantity: 1 },
        ],
      }),
    ).rejects.toThrow('live stock unavailable for SKU BOWL, LIVE-JUG, try again later');
  });

  it('asks about no provider when no SKU needs live stock', async () => {
    const { deps, health } = await setup();
    await checkout(deps, { customerId: 'c1', email: 'c1@example.test' }, 'key-live-000000000005', { items: [{ sku: 'MUG', quantity: 1 }] });
    expect(health.asked).toEqual([]);
  });
});
