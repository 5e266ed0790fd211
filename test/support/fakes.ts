import { ConflictError } from '../../shared/domain/errors';
import type { CartRepository, StoredCart } from '../../shared/ports/cart-repository';
import type { CatalogRepository, ProductChanges, ProductRecord } from '../../shared/ports/catalog-repository';
import type { ListPosition } from '../../shared/ports/cursor-codec';

/** In-memory catalog with the repository's contract: atomic create, SKU codes unique, owner-checked updates. */
export class FakeCatalog implements CatalogRepository {
  readonly records = new Map<string, ProductRecord>();
  async create(record: ProductRecord) {
    const taken = record.skus.filter((s) => [...this.records.values()].some((r) => r.skus.some((x) => x.sku === s.sku)));
    if (taken.length) throw new ConflictError(`SKU ${taken.map((s) => s.sku).join(', ')} already exists`);
    this.records.set(record.product.productId, structuredClone(record));
  }
  async get(productId: string) {
    const r = this.records.get(productId);
    return r ? structuredClone(r) : undefined;
  }
  async skusWithProducts(codes: readonly string[]) {
    return [...this.records.values()].flatMap((r) =>
      r.skus.filter((s) => codes.includes(s.sku)).map((sku) => ({ sku: structuredClone(sku), product: structuredClone(r.product) })),
    );
  }
  async listActive(query: { limit: number; vendorId?: string; q?: string; after?: ListPosition }) {
    const all = [...this.records.values()]
      .filter(
        (r) =>
          r.product.status === 'ACTIVE' &&
          (!query.vendorId || r.product.vendorId === query.vendorId) &&
          (!query.q || r.product.name.toLowerCase().includes(query.q)),
      )
      .sort((a, b) => b.product.createdAt.localeCompare(a.product.createdAt) || b.product.productId.localeCompare(a.product.productId));
    const start = query.after ? all.findIndex((r) => r.product.productId === query.after?.id) + 1 : 0;
    const items = all.slice(start, start + query.limit);
    const last = items[items.length - 1];
    return { items, ...(start + query.limit < all.length && last ? { next: { id: last.product.productId } } : {}) };
  }
  async update(productId: string, vendorId: string, changes: ProductChanges) {
    const r = this.records.get(productId);
    if (!r || r.product.vendorId !== vendorId) return false;
    const { skus, updatedAt, ...fields } = changes;
    this.records.set(productId, {
      product: { ...r.product, ...fields, updatedAt },
      skus: r.skus.map((s) => ({ ...s, ...(skus?.find((x) => x.sku === s.sku) ?? {}) })),
    });
    return true;
  }
}

/** In-memory carts with the repository's optimistic-concurrency contract. */
export class FakeCarts implements CartRepository {
  readonly carts = new Map<string, StoredCart>();
  /** Makes the next save look like another writer got there first. */
  interfereNext = 0;
  async get(customerId: string) {
    const c = this.carts.get(customerId);
    return c ? structuredClone(c) : undefined;
  }
  async save(cart: StoredCart, expectedVersion: number) {
    if (this.interfereNext > 0) {
      this.interfereNext -= 1;
      return false;
    }
    if ((this.carts.get(cart.customerId)?.version ?? 0) !== expectedVersion) return false;
    this.carts.set(cart.customerId, structuredClone(cart));
    return true;
  }
  async delete(customerId: string) {
    this.carts.delete(customerId);
  }
}
