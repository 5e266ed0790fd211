import type { CartRepository, StoredCart } from '../../ports/cart-repository';
import type { CatalogRepository } from '../../ports/catalog-repository';
import { available } from '../catalog/catalog';
import type { Money } from '../model/money';
import { BusinessRuleError, ConflictError, NotFoundError } from '../errors';
import type { Clock } from '../../ports/clock';

/** A cart expires after this long without a change. */
export const CART_TTL_DAYS = 30;
export const MAX_CART_LINES = 50;

export interface CartLine {
  readonly sku: string;
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPrice: Money;
  readonly lineTotal: Money;
}

export interface Cart {
  readonly items: readonly CartLine[];
  readonly total: Money | null;
  readonly currency: string | null;
  readonly version: number;
}

export interface CartDeps {
  readonly carts: CartRepository;
  readonly catalog: CatalogRepository;
  readonly now: Clock;
}

/**
 * The cart priced now from the catalog. Lines whose SKU is gone or whose product is archived are left out (and
 * checkout will refuse them); the total is in the one currency every line shares.
 */
export async function getCart(deps: CartDeps, customerId: string): Promise<Cart> {
  const stored = await deps.carts.get(customerId);
  if (!stored || stored.lines.length === 0) return { items: [], total: null, currency: null, version: stored?.version ?? 0 };
  const catalog = new Map((await deps.catalog.skusWithProducts(stored.lines.map((l) => l.sku))).map((e) => [e.sku.sku, e]));
  const items: CartLine[] = stored.lines.flatMap((line) => {
    const entry = catalog.get(line.sku);
    if (!entry || entry.product.status !== 'ACTIVE') return [];
    const { sku, product } = entry;
    return [
      {
        sku: sku.sku,
        productId: product.productId,
        name: `${product.name} (${sku.name})`,
        quantity: line.quantity,
        unitPrice: sku.price,
        lineTotal: { amount: sku.price.amount * line.quantity, currency: sku.price.currency },
      },
    ];
  });
  const currency = items[0]?.unitPrice.currency ?? null;
  return { items, total: currency ? { amount: items.reduce((sum, l) => sum + l.lineTotal.amount, 0), currency } : null, currency, version: stored.version };
}

/** Sets the quantity of a SKU in the cart (adding the line if needed). */
export async function setCartItem(deps: CartDeps, customerId: string, skuCode: string, quantity: number): Promise<Cart> {
  const [entry] = await deps.catalog.skusWithProducts([skuCode]);
  if (!entry || entry.product.status !== 'ACTIVE') throw new NotFoundError(`SKU ${skuCode} is not for sale`);
  if (quantity > available(entry.sku)) throw new BusinessRuleError(`Only ${available(entry.sku)} of ${skuCode} available`);
  await change(deps, customerId, async (lines) => {
    const others = lines.filter((l) => l.sku !== skuCode);
    if (others.length > 0) {
      const current = await getCart(deps, customerId);
      if (current.currency && current.currency !== entry.sku.price.currency) {
        throw new BusinessRuleError(`The cart is in ${current.currency}; ${skuCode} is priced in ${entry.sku.price.currency}`);
      }
    }
    const next = lines.some((l) => l.sku === skuCode)
      ? lines.map((l) => (l.sku === skuCode ? { sku: skuCode, quantity } : l))
      : [...lines, { sku: skuCode, quantity }];
    if (next.length > MAX_CART_LINES) throw new BusinessRuleError(`A cart holds at most ${MAX_CART_LINES} different items`);
    return next;
  });
  return getCart(deps, customerId);
}

/** Removes a SKU from the cart; removing one that is not there changes nothing. */
export async function removeCartItem(deps: CartDeps, customerId: string, skuCode: string): Promise<Cart> {
  await change(deps, customerId, async (lines) => lines.filter((l) => l.sku !== skuCode));
  return getCart(deps, customerId);
}

export async function clearCart(deps: CartDeps, customerId: string): Promise<void> {
  await deps.carts.delete(customerId);
}

/** Read, change, conditionally write; a concurrent change by another tab is retried a few times, then 409. */
async function change(deps: CartDeps, customerId: string, edit: (lines: StoredCart['lines']) => Promise<StoredCart['lines']>): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await deps.carts.get(customerId);
    const lines = await edit(stored?.lines ?? []);
    const now = deps.now();
    const saved = await deps.carts.save(
      {
        customerId,
        lines,
        version: (stored?.version ?? 0) + 1,
        updatedAt: now.toISOString(),
        expiresAt: Math.floor(now.getTime() / 1000) + CART_TTL_DAYS * 86_400,
      },
      stored?.version ?? 0,
    );
    if (saved) return;
  }
  throw new ConflictError('The cart changed while it was being updated; try again');
}
