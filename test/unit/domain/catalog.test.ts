import { HmacCursorCodec } from '../../../shared/adapters/hmac-cursor-codec';
import { archiveProduct, createProduct, getProduct, listProducts, updateProduct } from '../../../shared/domain/catalog/catalog';
import { BusinessRuleError, NotFoundError, ValidationError } from '../../../shared/domain/errors';
import { ConflictError } from '../../../shared/domain/errors';
import { FakeCatalog } from '../../support/fakes';

let clock = 0;
let ids = 0;
const deps = () => ({
  repository: new FakeCatalog(),
  now: () => new Date(Date.UTC(2026, 10, 22, 0, 0, clock++)),
  newId: () => `01JPRODUCT${String(ids++).padStart(16, '0')}`,
});
const mug = {
  name: 'Stoneware mug',
  description: 'Handmade',
  skus: [{ sku: 'MUG-BLUE', name: 'Blue', price: { amount: 1800, currency: 'EUR' }, initialStock: 12 }],
};

describe('catalog use cases', () => {
  it('creates a product whose SKUs show their full stock as available', async () => {
    const d = deps();
    const product = await createProduct(d, 'vendor-1', mug);
    expect(product).toMatchObject({
      vendorId: 'vendor-1',
      status: 'ACTIVE',
      skus: [{ sku: 'MUG-BLUE', price: { amount: 1800, currency: 'EUR' }, available: 12 }],
    });
    expect(await getProduct(d, product.productId)).toEqual(product);
  });

  it('refuses duplicate SKUs in one request, SKUs another product owns, and mixed currencies', async () => {
    const d = deps();
    await expect(createProduct(d, 'v', { ...mug, skus: [...mug.skus, ...mug.skus] })).rejects.toBeInstanceOf(ValidationError);
    await createProduct(d, 'v', mug);
    await expect(createProduct(d, 'v2', mug)).rejects.toBeInstanceOf(ConflictError);
    const mixed = {
      ...mug,
      skus: [
        { ...mug.skus[0]!, sku: 'A' },
        { ...mug.skus[0]!, sku: 'B', price: { amount: 1, currency: 'USD' } },
      ],
    };
    await expect(createProduct(d, 'v', mixed)).rejects.toBeInstanceOf(BusinessRuleError);
  });

  it("treats another vendor's product as not found, for update and archive alike", async () => {
    const d = deps();
    const { productId } = await createProduct(d, 'owner', mug);
    await expect(updateProduct(d, 'intruder', productId, { name: 'Mine now' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(archiveProduct(d, 'intruder', productId)).rejects.toBeInstanceOf(NotFoundError);
    expect((await getProduct(d, productId)).name).toBe('Stoneware mug');
  });

  it('updates names and prices of known SKUs only', async () => {
    const d = deps();
    const { productId } = await createProduct(d, 'owner', mug);
    const updated = await updateProduct(d, 'owner', productId, { name: 'Big mug', skus: [{ sku: 'MUG-BLUE', price: { amount: 2100, currency: 'EUR' } }] });
    expect(updated).toMatchObject({ name: 'Big mug', skus: [{ price: { amount: 2100 } }] });
    await expect(updateProduct(d, 'owner', productId, { skus: [{ sku: 'NOT-MINE', name: 'x' }] })).rejects.toBeInstanceOf(ValidationError);
  });

  it('archives idempotently; archived products leave listings and cannot change', async () => {
    const d = deps();
    const cursors = new HmacCursorCodec(async () => 'k'.repeat(32));
    const { productId } = await createProduct(d, 'owner', mug);
    expect((await archiveProduct(d, 'owner', productId)).status).toBe('ARCHIVED');
    expect((await archiveProduct(d, 'owner', productId)).status).toBe('ARCHIVED');
    expect((await listProducts({ repository: d.repository, cursors }, { limit: 10 })).items).toEqual([]);
    await expect(updateProduct(d, 'owner', productId, { name: 'x' })).rejects.toBeInstanceOf(BusinessRuleError);
  });

  it('pages through listings newest first with signed cursors bound to the listing', async () => {
    const d = deps();
    const cursors = new HmacCursorCodec(async () => 'k'.repeat(32));
    for (let i = 0; i < 5; i++) await createProduct(d, 'v', { ...mug, name: `Mug ${i}`, skus: [{ ...mug.skus[0]!, sku: `MUG-${i}` }] });
    const first = await listProducts({ repository: d.repository, cursors }, { limit: 2 });
    expect(first.items.map((p) => p.name)).toEqual(['Mug 4', 'Mug 3']);
    const second = await listProducts({ repository: d.repository, cursors }, { limit: 2, cursor: first.nextCursor as string });
    expect(second.items.map((p) => p.name)).toEqual(['Mug 2', 'Mug 1']);
    // The same cursor with other filters, or altered, is refused.
    await expect(listProducts({ repository: d.repository, cursors }, { limit: 2, cursor: first.nextCursor as string, q: 'mug' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const [body, mac] = (first.nextCursor as string).split('.');
    const forged = `${Buffer.from(JSON.stringify({ p: { id: 'x' }, s: 'products||' })).toString('base64url')}.${mac}`;
    await expect(listProducts({ repository: d.repository, cursors }, { limit: 2, cursor: forged })).rejects.toBeInstanceOf(ValidationError);
    await expect(listProducts({ repository: d.repository, cursors }, { limit: 2, cursor: `${body}.AAAA` })).rejects.toBeInstanceOf(ValidationError);
    const otherKey = new HmacCursorCodec(async () => 'z'.repeat(32));
    await expect(listProducts({ repository: d.repository, cursors: otherKey }, { limit: 2, cursor: first.nextCursor as string })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
