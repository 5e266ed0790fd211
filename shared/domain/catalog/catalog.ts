import { BusinessRuleError, DomainError, NotFoundError, ValidationError } from '../errors';
import type { Money } from '../model/money';
import type { CatalogRepository, ProductRecord, StoredSku } from '../../ports/catalog-repository';
import type { Clock } from '../../ports/clock';
import type { CursorCodec } from '../../ports/cursor-codec';
import type { IdGenerator } from '../../ports/id-generator';
import { listPage, type ListPage } from '../listing';

export interface Sku {
  readonly sku: string;
  readonly name: string;
  readonly price: Money;
  /** onHand - reserved, never below zero. */
  readonly available: number;
}

export interface Product {
  readonly productId: string;
  readonly vendorId: string;
  readonly name: string;
  readonly description: string;
  readonly status: 'ACTIVE' | 'ARCHIVED';
  readonly skus: readonly Sku[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewProduct {
  readonly name: string;
  readonly description: string;
  readonly skus: ReadonlyArray<{
    readonly sku: string;
    readonly name: string;
    readonly price: Money;
    readonly initialStock: number;
    /** Stock shards for a flash-sale SKU (docs/data-model.md, "Stock shards"); 1 when left out. */
    readonly stockShards?: number | undefined;
  }>;
}

/** Items one product's creation may write in its one transaction (DynamoDB's limit: 100): the product and each stock item. */
const MAX_ITEMS_PER_PRODUCT = 100;

export interface ProductPatch {
  readonly name?: string;
  readonly description?: string;
  readonly skus?: ReadonlyArray<{ readonly sku: string; readonly name?: string; readonly price?: Money }>;
}

export interface CatalogDeps {
  readonly repository: CatalogRepository;
  readonly now: Clock;
  readonly newId: IdGenerator;
}

/** Available stock of a SKU: what can still be reserved. */
export function available(sku: Pick<StoredSku, 'onHand' | 'reserved'>): number {
  return Math.max(0, sku.onHand - sku.reserved);
}

export function toProduct({ product, skus }: ProductRecord): Product {
  const bySku = new Map(skus.map((s) => [s.sku, s]));
  return {
    productId: product.productId,
    vendorId: product.vendorId,
    name: product.name,
    description: product.description,
    status: product.status,
    skus: product.skuCodes.flatMap((code) => {
      const s = bySku.get(code);
      return s ? [{ sku: s.sku, name: s.name, price: s.price, available: available(s) }] : [];
    }),
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
  };
}

/** A vendor lists a new product with its SKUs and their initial stock; every SKU of a product shares one currency. */
export async function createProduct(deps: CatalogDeps, vendorId: string, input: NewProduct): Promise<Product> {
  const codes = input.skus.map((s) => s.sku);
  const duplicate = codes.find((c, i) => codes.indexOf(c) !== i);
  if (duplicate) throw new ValidationError(`SKU ${duplicate} appears twice`, [{ path: 'body.skus', message: `duplicate sku ${duplicate}` }]);
  assertOneCurrency(input.skus.map((s) => s.price));
  const stockItems = input.skus.reduce((sum, s) => sum + (s.stockShards ?? 1), 0);
  if (1 + stockItems > MAX_ITEMS_PER_PRODUCT) {
    const message = `a product's SKUs may have ${MAX_ITEMS_PER_PRODUCT - 1} stock shards together; these have ${stockItems}`;
    throw new ValidationError(message, [{ path: 'body.skus', message }]);
  }
  const at = deps.now().toISOString();
  const productId = deps.newId();
  const record: ProductRecord = {
    product: { productId, vendorId, name: input.name, description: input.description, status: 'ACTIVE', skuCodes: codes, createdAt: at, updatedAt: at },
    skus: input.skus.map((s) => ({
      sku: s.sku,
      productId,
      vendorId,
      name: s.name,
      price: s.price,
      onHand: s.initialStock,
      reserved: 0,
      version: 0,
      ...(s.stockShards !== undefined && s.stockShards > 1 ? { stockShards: s.stockShards } : {}),
    })),
  };
  await deps.repository.create(record);
  return toProduct(record);
}

/** What became of one product of a batch: created, or refused with the error its own request would have had. */
export type BatchProductOutcome = { readonly index: number; readonly product: Product } | { readonly index: number; readonly error: DomainError };

/**
 * A vendor lists many products at once (POST /vendor/products/batch): each is created, or refused, exactly as its
 * own POST /vendor/products would be, in the batch's order, so a later product whose SKU an earlier one took is a
 * conflict. A product already refused by the handler's validation comes in as its error. Refusals (domain errors) are
 * outcomes of the batch, not failures of it; anything else (the table unavailable) fails the request.
 */
export async function createProducts(deps: CatalogDeps, vendorId: string, items: ReadonlyArray<NewProduct | DomainError>): Promise<BatchProductOutcome[]> {
  const outcomes: BatchProductOutcome[] = [];
  for (const [index, item] of items.entries()) {
    if (item instanceof DomainError) {
      outcomes.push({ index, error: item });
      continue;
    }
    try {
      outcomes.push({ index, product: await createProduct(deps, vendorId, item) });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcomes.push({ index, error });
    }
  }
  return outcomes;
}

/** Anyone may read a product by id; an unknown id is 404. */
export async function getProduct(deps: Pick<CatalogDeps, 'repository'>, productId: string): Promise<Product> {
  const record = await deps.repository.get(productId);
  if (!record) throw new NotFoundError(`Product ${productId} not found`);
  return toProduct(record);
}

/** Active products, newest first, paginated with a signed cursor. */
export async function listProducts(
  deps: { repository: CatalogRepository; cursors: CursorCodec },
  query: { limit: number; cursor?: string; vendorId?: string; q?: string },
): Promise<ListPage<Product>> {
  const q = query.q?.toLowerCase();
  return listPage(
    deps.cursors,
    { scope: `products|${query.vendorId ?? ''}|${q ?? ''}`, cursor: query.cursor },
    (after) =>
      deps.repository.listActive({
        limit: query.limit,
        ...(query.vendorId ? { vendorId: query.vendorId } : {}),
        ...(q ? { q } : {}),
        ...(after ? { after } : {}),
      }),
    toProduct,
  );
}

/** A vendor changes their own product; someone else's product is 404, as if it did not exist. */
export async function updateProduct(deps: Pick<CatalogDeps, 'repository' | 'now'>, vendorId: string, productId: string, patch: ProductPatch): Promise<Product> {
  const current = await deps.repository.get(productId);
  if (!current || current.product.vendorId !== vendorId) throw new NotFoundError(`Product ${productId} not found`);
  if (current.product.status === 'ARCHIVED') throw new BusinessRuleError('An archived product cannot be changed');
  const known = new Set(current.product.skuCodes);
  const unknown = patch.skus?.find((s) => !known.has(s.sku));
  if (unknown) throw new ValidationError(`SKU ${unknown.sku} is not part of this product`, [{ path: 'body.skus', message: `unknown sku ${unknown.sku}` }]);
  const prices = current.skus.map((s) => patch.skus?.find((p) => p.sku === s.sku)?.price ?? s.price);
  assertOneCurrency(prices);
  const changed = await deps.repository.update(productId, vendorId, { updatedAt: deps.now().toISOString(), ...patch });
  if (!changed) throw new NotFoundError(`Product ${productId} not found`);
  return getProduct(deps, productId);
}

/** A vendor archives their own product: it leaves listings; archiving twice is harmless. */
export async function archiveProduct(deps: Pick<CatalogDeps, 'repository' | 'now'>, vendorId: string, productId: string): Promise<Product> {
  const current = await deps.repository.get(productId);
  if (!current || current.product.vendorId !== vendorId) throw new NotFoundError(`Product ${productId} not found`);
  if (current.product.status !== 'ARCHIVED') {
    const changed = await deps.repository.update(productId, vendorId, { updatedAt: deps.now().toISOString(), status: 'ARCHIVED' });
    if (!changed) throw new NotFoundError(`Product ${productId} not found`);
  }
  return getProduct(deps, productId);
}

function assertOneCurrency(prices: readonly Money[]): void {
  const currencies = new Set(prices.map((p) => p.currency));
  if (currencies.size > 1) throw new BusinessRuleError(`All SKUs of a product share one currency; got ${[...currencies].join(', ')}`);
}
