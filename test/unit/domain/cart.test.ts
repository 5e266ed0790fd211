import { clearCart, getCart, removeCartItem, setCartItem } from '../../../shared/domain/cart/cart';
import { BusinessRuleError, ConflictError, NotFoundError } from '../../../shared/domain/errors';
import { shopCatalog } from '../../support/catalog-fixtures';
import { FakeCarts } from '../../support/fakes';

const now = () => new Date('2026-11-22T10:00:00Z');
let ids = 0;

async function setup() {
  const { catalog, mug } = await shopCatalog(now, () => `01JCART${String(ids++).padStart(19, '0')}`);
  const carts = new FakeCarts();
  return { deps: { carts, catalog, now }, carts, catalog, mug };
}

describe('cart', () => {
  it('is empty at first, then priced from the catalog with line totals and one total', async () => {
    const { deps } = await setup();
    expect(await getCart(deps, 'c1')).toEqual({ items: [], total: null, currency: null, version: 0 });
    await setCartItem(deps, 'c1', 'MUG', 2);
    const cart = await setCartItem(deps, 'c1', 'CANDLE', 1);
    expect(cart.items.map((l) => [l.sku, l.quantity, l.unitPrice.amount, l.lineTotal.amount])).toEqual([
      ['MUG', 2, 1800, 3600],
      ['CANDLE', 1, 1450, 1450],
    ]);
    expect(cart).toMatchObject({ total: { amount: 5050, currency: 'EUR' }, currency: 'EUR', version: 2 });
  });

  it('reprices at read time: a price change in the catalog shows in the cart', async () => {
    const { deps, catalog, mug } = await setup();
    await setCartItem(deps, 'c1', 'MUG', 1);
    await catalog.update(mug.productId, 'v1', { updatedAt: now().toISOString(), skus: [{ sku: 'MUG', price: { amount: 2000, currency: 'EUR' } }] });
    expect((await getCart(deps, 'c1')).total).toEqual({ amount: 2000, currency: 'EUR' });
  });

  it('refuses unknown SKUs (404), more than is available (422), and a second currency (422)', async () => {
    const { deps } = await setup();
    await expect(setCartItem(deps, 'c1', 'NOPE', 1)).rejects.toBeInstanceOf(NotFoundError);
    await expect(setCartItem(deps, 'c1', 'MUG', 4)).rejects.toBeInstanceOf(BusinessRuleError);
    await setCartItem(deps, 'c1', 'MUG', 1);
    await expect(setCartItem(deps, 'c1', 'HAT', 1)).rejects.toThrow(/cart is in EUR/);
    expect((await getCart(deps, 'c1')).items.map((l) => l.sku)).toEqual(['MUG']);
  });

  it('drops lines of archived products from the priced cart', async () => {
    const { deps, catalog, mug } = await setup();
    await setCartItem(deps, 'c1', 'MUG', 1);
    await setCartItem(deps, 'c1', 'CANDLE', 1);
    await catalog.update(mug.productId, 'v1', { updatedAt: now().toISOString(), status: 'ARCHIVED' });
    expect((await getCart(deps, 'c1')).items.map((l) => l.sku)).toEqual(['CANDLE']);
  });

  it('removes lines idempotently and clears the cart', async () => {
    const { deps } = await setup();
    await setCartItem(deps, 'c1', 'MUG', 1);
    expect((await removeCartItem(deps, 'c1', 'MUG')).items).toEqual([]);
    expect((await removeCartItem(deps, 'c1', 'MUG')).items).toEqual([]);
    await setCartItem(deps, 'c1', 'CANDLE', 2);
    await clearCart(deps, 'c1');
    expect((await getCart(deps, 'c1')).items).toEqual([]);
  });

  it('retries a concurrent change, and gives 409 when the cart keeps changing underneath', async () => {
    const { deps, carts } = await setup();
    carts.interfereNext = 2;
    expect((await setCartItem(deps, 'c1', 'MUG', 1)).items).toHaveLength(1);
    carts.interfereNext = 3;
    await expect(setCartItem(deps, 'c1', 'CANDLE', 1)).rejects.toBeInstanceOf(ConflictError);
  });

  it('keeps one cart per customer', async () => {
    const { deps } = await setup();
    await setCartItem(deps, 'c1', 'MUG', 1);
    expect((await getCart(deps, 'c2')).items).toEqual([]);
  });
});
