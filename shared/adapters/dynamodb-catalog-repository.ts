import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ConflictError } from '../domain/errors';
import type { CatalogRepository, ProductChanges, ProductRecord, StoredProduct, StoredSku } from '../ports/catalog-repository';
import type { ListPosition } from '../ports/cursor-codec';
import { batchGetItems } from './dynamodb-batch-get';
import { readShards, shardItem, skuKey } from './dynamodb-stock-shards';
import { shardCount, spreadOnHand, totalStock } from '../domain/inventory/stock-shards';

/** Index reads one listing page may take before it returns what it has (with a cursor to continue). */
const MAX_READS_PER_PAGE = 10;

const productKey = (productId: string) => ({ pk: `PRODUCT#${productId}`, sk: 'PRODUCT' });

/**
 * The catalog table (docs/data-model.md): product items listed through the byStatus and byVendor indexes, and one
 * item per SKU holding its price and stock, keyed by SKU alone so a reservation is one conditional write per line.
 */
export class DynamoDbCatalogRepository implements CatalogRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async create(record: ProductRecord): Promise<void> {
    const { product } = record;
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: marshall(productItem(product), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...record.skus.map((s) => ({ Put: { TableName: this.tableName, Item: marshall(skuItem(s)), ConditionExpression: 'attribute_not_exists(pk)' } })),
      // A sharded SKU's other shards (shard 0 is the SKU item), its initial stock spread evenly over all of them.
      ...record.skus.flatMap((s) =>
        initialShards(s)
          .slice(1)
          .map((onHand, i) => ({
            Put: { TableName: this.tableName, Item: marshall(shardItem(s.sku, i + 1, onHand)), ConditionExpression: 'attribute_not_exists(pk)' },
          })),
      ),
    ];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const taken = (error.CancellationReasons ?? [])
          .map((r, i) => (r.Code === 'ConditionalCheckFailed' && i > 0 ? record.skus[i - 1]?.sku : undefined))
          .filter(Boolean);
        if (taken.length > 0) throw new ConflictError(`SKU ${taken.join(', ')} already exists`);
      }
      throw error;
    }
  }

  async get(productId: string): Promise<ProductRecord | undefined> {
    const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: marshall(productKey(productId)), ConsistentRead: true }));
    if (!Item) return undefined;
    const product = toProduct(unmarshall(Item));
    return { product, skus: await this.skus(product.skuCodes) };
  }

  async skusWithProducts(codes: readonly string[]): Promise<Array<{ sku: StoredSku; product: StoredProduct }>> {
    const skus = await this.skus(codes);
    const productIds = [...new Set(skus.map((s) => s.productId))];
    const products = new Map((await batchGetItems(this.client, this.tableName, productIds.map(productKey))).map((i) => [String(i.productId), toProduct(i)]));
    return skus.flatMap((sku) => {
      const product = products.get(sku.productId);
      return product ? [{ sku, product }] : [];
    });
  }

  async listActive(query: { limit: number; vendorId?: string; q?: string; after?: ListPosition }): Promise<{ items: ProductRecord[]; next?: ListPosition }> {
    const byVendor = query.vendorId !== undefined;
    const filters = [...(byVendor ? ['#status = :active'] : []), ...(query.q ? ['contains(searchName, :q)'] : [])];
    const indexKeys = byVendor ? ['gsi2pk', 'gsi2sk'] : ['gsi1pk', 'gsi1sk'];
    const products: Array<{ product: StoredProduct; key: ListPosition }> = [];
    let start: ListPosition | undefined = query.after;
    // A filter applies after DynamoDB's Limit, so one Query can return a short page: keep reading (bounded) until
    // the page is full, and continue the next page from the last product returned.
    for (let reads = 0; reads < MAX_READS_PER_PAGE && products.length < query.limit; reads++) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: byVendor ? 'byVendor' : 'byStatus',
          KeyConditionExpression: byVendor ? 'gsi2pk = :key' : 'gsi1pk = :key',
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(byVendor ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
          ExpressionAttributeValues: marshall({
            ':key': byVendor ? `VENDOR#${query.vendorId}` : 'STATUS#ACTIVE',
            ...(byVendor ? { ':active': 'ACTIVE' } : {}),
            ...(query.q ? { ':q': query.q } : {}),
          }),
          ScanIndexForward: false,
          Limit: Math.max(query.limit, 25),
          ...(start ? { ExclusiveStartKey: marshall(start) } : {}),
        }),
      );
      for (const raw of page.Items ?? []) {
        const item = unmarshall(raw);
        products.push({ product: toProduct(item), key: Object.fromEntries(['pk', 'sk', ...indexKeys].map((k) => [k, String(item[k])])) });
      }
      if (!page.LastEvaluatedKey) {
        start = undefined;
        break;
      }
      start = Object.fromEntries(Object.entries(unmarshall(page.LastEvaluatedKey)).map(([k, v]) => [k, String(v)]));
    }
    const pageItems = products.slice(0, query.limit);
    const more = products.length > query.limit || start !== undefined;
    const last = pageItems[pageItems.length - 1];
    const skus = await this.skus(pageItems.flatMap((p) => p.product.skuCodes));
    const items = pageItems.map(({ product }) => ({ product, skus: skus.filter((s) => s.productId === product.productId) }));
    const next = more ? (products.length > query.limit && last ? last.key : start) : undefined;
    return { items, ...(next ? { next } : {}) };
  }

  async update(productId: string, vendorId: string, changes: ProductChanges): Promise<boolean> {
    const sets: string[] = ['updatedAt = :updatedAt'];
    const values: Record<string, unknown> = { ':updatedAt': changes.updatedAt, ':vendor': vendorId };
    const names: Record<string, string> = {};
    if (changes.name !== undefined) {
      sets.push('#name = :name', 'searchName = :searchName');
      values[':name'] = changes.name;
      values[':searchName'] = changes.name.toLowerCase();
      names['#name'] = 'name';
    }
    if (changes.description !== undefined) {
      sets.push('description = :description');
      values[':description'] = changes.description;
    }
    if (changes.status !== undefined) {
      sets.push('#status = :status', 'gsi1pk = :statusKey');
      values[':status'] = changes.status;
      values[':statusKey'] = `STATUS#${changes.status}`;
      names['#status'] = 'status';
    }
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.tableName,
          Key: marshall(productKey(productId)),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk) AND vendorId = :vendor',
          ExpressionAttributeValues: marshall(values),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        },
      },
      ...(changes.skus ?? []).map((s): TransactWriteItem => {
        const skuSets = [...(s.name !== undefined ? ['#name = :name'] : []), ...(s.price ? ['priceAmount = :amount', 'priceCurrency = :currency'] : [])];
        return {
          Update: {
            TableName: this.tableName,
            Key: marshall(skuKey(s.sku)),
            UpdateExpression: `SET ${skuSets.length ? skuSets.join(', ') : 'vendorId = :vendor'}`,
            ConditionExpression: 'attribute_exists(pk) AND vendorId = :vendor AND productId = :product',
            ExpressionAttributeValues: marshall({
              ':vendor': vendorId,
              ':product': productId,
              ...(s.name !== undefined ? { ':name': s.name } : {}),
              ...(s.price ? { ':amount': s.price.amount, ':currency': s.price.currency } : {}),
            }),
            ...(s.name !== undefined ? { ExpressionAttributeNames: { '#name': 'name' } } : {}),
          },
        };
      }),
    ];
    try {
      await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }

  /** The SKUs with these codes, a sharded SKU's stock summed over its shards (strongly consistent). */
  private async skus(codes: readonly string[]): Promise<StoredSku[]> {
    const items = await batchGetItems(this.client, this.tableName, codes.map(skuKey));
    const shards = await readShards(this.client, this.tableName, items);
    return items.map((i) => ({ ...toSku(i), ...totalStock(shards.get(String(i.sku)) ?? []) }));
  }
}

function productItem(p: StoredProduct): Record<string, unknown> {
  const sortKey = `${p.createdAt}#${p.productId}`;
  return {
    ...productKey(p.productId),
    gsi1pk: `STATUS#${p.status}`,
    gsi1sk: sortKey,
    gsi2pk: `VENDOR#${p.vendorId}`,
    gsi2sk: sortKey,
    entity: 'product',
    productId: p.productId,
    vendorId: p.vendorId,
    name: p.name,
    searchName: p.name.toLowerCase(),
    description: p.description,
    status: p.status,
    skuCodes: [...p.skuCodes],
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

/** Each shard's initial onHand: the SKU's stock spread evenly over its shards. */
const initialShards = (s: StoredSku): number[] =>
  spreadOnHand(
    s.onHand,
    Array.from({ length: shardCount(s.stockShards) }, () => ({ onHand: 0, reserved: 0 })),
  );

function skuItem(s: StoredSku): Record<string, unknown> {
  const [onHand = 0] = initialShards(s);
  return {
    ...skuKey(s.sku),
    entity: 'sku',
    sku: s.sku,
    productId: s.productId,
    vendorId: s.vendorId,
    name: s.name,
    priceAmount: s.price.amount,
    priceCurrency: s.price.currency,
    onHand,
    reserved: s.reserved,
    available: onHand - s.reserved,
    version: s.version,
    ...(shardCount(s.stockShards) > 1 ? { stockShards: shardCount(s.stockShards) } : {}),
  };
}

function toProduct(i: Record<string, unknown>): StoredProduct {
  return {
    productId: String(i.productId),
    vendorId: String(i.vendorId),
    name: String(i.name),
    description: String(i.description ?? ''),
    status: i.status === 'ARCHIVED' ? 'ARCHIVED' : 'ACTIVE',
    skuCodes: (i.skuCodes as string[] | undefined) ?? [],
    createdAt: String(i.createdAt),
    updatedAt: String(i.updatedAt),
  };
}

function toSku(i: Record<string, unknown>): StoredSku {
  return {
    sku: String(i.sku),
    productId: String(i.productId),
    vendorId: String(i.vendorId),
    name: String(i.name),
    price: { amount: Number(i.priceAmount), currency: String(i.priceCurrency) },
    onHand: Number(i.onHand),
    reserved: Number(i.reserved),
    version: Number(i.version),
    ...(typeof i.stockSource === 'string' ? { stockSource: i.stockSource } : {}),
    ...(shardCount(i.stockShards) > 1 ? { stockShards: shardCount(i.stockShards) } : {}),
  };
}
