import { createProducts } from '../../../shared/domain/catalog/catalog';
import { BusinessRuleError, ConflictError, ValidationError } from '../../../shared/domain/errors';
import { FakeCatalog } from '../../support/fakes';

let ids = 0;
const deps = () => ({
  repository: new FakeCatalog(),
  now: () => new Date('2026-11-22T10:00:00Z'),
  newId: () => `01JBATCH${String(ids++).padStart(18, '0')}`,
});
const product = (sku: string, currency = 'EUR') => ({
  name: `Product ${sku}`,
  description: '',
  skus: [{ sku, name: sku, price: { amount: 900, currency }, initialStock: 3 }],
});

describe('catalog import (POST /vendor/products/batch)', () => {
  it('creates each product on its own and refuses the others with their own error, in the batch\u2019s order', async () => {
    const d = deps();
    const invalid = new ValidationError('The product is invalid', [{ path: 'body.products.1.name', message: 'Too small' }]);
    const mixed = { ...product('MIXED-1'), skus: [...product('MIXED-1').skus, ...product('MIXED-2', 'USD').skus] };
    const outcomes = await createProducts(d, 'vendor-1', [product('A-1'), invalid, product('A-1'), mixed, product('A-2')]);
    expect(outcomes.map((o) => ('product' in o ? 'created' : o.error.name))).toEqual([
      'created',
      'ValidationError',
      'ConflictError',
      'BusinessRuleError',
      'created',
    ]);
    expect(outcomes.map((o) => o.index)).toEqual([0, 1, 2, 3, 4]);
    expect(outcomes[1]).toEqual({ index: 1, error: invalid });
    expect((outcomes[2] as { error: Error }).error).toBeInstanceOf(ConflictError);
    expect((outcomes[3] as { error: Error }).error).toBeInstanceOf(BusinessRuleError);
    const created = [...d.repository.records.values()];
    expect(created.map((r) => r.product.skuCodes)).toEqual([['A-1'], ['A-2']]);
    expect(created.every((r) => r.product.vendorId === 'vendor-1')).toBe(true);
  });

  it('fails the request on anything that is not a refusal', async () => {
    const d = deps();
    d.repository.create = async () => {
      throw new Error('table unavailable');
    };
    await expect(createProducts(d, 'vendor-1', [product('B-1')])).rejects.toThrow('table unavailable');
  });
});
