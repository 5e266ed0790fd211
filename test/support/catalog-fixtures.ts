import { createProduct, type Product } from '../../shared/domain/catalog/catalog';
import type { Clock } from '../../shared/ports/clock';
import type { IdGenerator } from '../../shared/ports/id-generator';
import { FakeCatalog } from './fakes';

/**
 * The catalog the cart and order unit tests shop from: MUG (EUR 18.00, only 3 in stock), CANDLE (EUR 14.50) and HAT
 * (USD 30.00, another currency), each from its own vendor.
 */
export async function shopCatalog(now: Clock, newId: IdGenerator): Promise<{ catalog: FakeCatalog; mug: Product }> {
  const catalog = new FakeCatalog();
  const deps = { repository: catalog, now, newId };
  const mug = await createProduct(deps, 'v1', {
    name: 'Mug',
    description: '',
    skus: [{ sku: 'MUG', name: 'Blue', price: { amount: 1800, currency: 'EUR' }, initialStock: 3 }],
  });
  await createProduct(deps, 'v2', {
    name: 'Candle',
    description: '',
    skus: [{ sku: 'CANDLE', name: 'Pair', price: { amount: 1450, currency: 'EUR' }, initialStock: 10 }],
  });
  await createProduct(deps, 'v3', {
    name: 'Hat',
    description: '',
    skus: [{ sku: 'HAT', name: 'Wool', price: { amount: 3000, currency: 'USD' }, initialStock: 10 }],
  });
  return { catalog, mug };
}
