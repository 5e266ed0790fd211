import type { Money } from '../domain/model/money';
import type { ListPosition } from './cursor-codec';

/** A product as stored (without its SKUs). */
export interface StoredProduct {
  readonly productId: string;
  readonly vendorId: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'ACTIVE' | 'ARCHIVED';
  readonly skuCodes: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A SKU with its stock record. */
export interface StoredSku {
  readonly sku: string;
  readonly productId: string;
  readonly vendorId: string;
  readonly name: string;
  readonly price: Money;
  /** Summed over the SKU's stock shards, when it has several. */
  readonly onHand: number;
  readonly reserved: number;
  readonly version: number;
  /** Stock shards the SKU keeps its stock in (docs/data-model.md, "Stock shards"); absent for one. */
  readonly stockShards?: number;
  /** The inventory provider whose stock the SKU follows (set by the inventory ledger); absent when only Stockade stocks it. */
  readonly stockSource?: string;
}

export interface ProductRecord {
  readonly product: StoredProduct;
  readonly skus: readonly StoredSku[];
}

export interface CatalogRepository {
  /** Creates the product and its SKUs atomically; ConflictError if any SKU code exists already. */
  create(record: ProductRecord): Promise<void>;
  get(productId: string): Promise<ProductRecord | undefined>;
  /** The SKUs with these codes that exist, each with its product (strongly consistent). */
  skusWithProducts(codes: readonly string[]): Promise<Array<{ sku: StoredSku; product: StoredProduct }>>;
  /** Active products, newest first; optionally one vendor's, optionally name-filtered. */
  listActive(query: { limit: number; vendorId?: string; q?: string; after?: ListPosition }): Promise<{ items: ProductRecord[]; next?: ListPosition }>;
  /**
   * Applies changes to a product the vendor owns, atomically with its SKU changes; resolves false when the product
   * does not exist or belongs to another vendor (callers answer 404 either way).
   */
  update(productId: string, vendorId: string, changes: ProductChanges): Promise<boolean>;
}

export interface ProductChanges {
  readonly updatedAt: string;
  readonly name?: string;
  readonly description?: string;
  readonly status?: 'ACTIVE' | 'ARCHIVED';
  readonly skus?: ReadonlyArray<{ readonly sku: string; readonly name?: string; readonly price?: Money }>;
}
