import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { shardCount, type ShardStock } from '../domain/inventory/stock-shards';
import { batchGetItems } from './dynamodb-batch-get';

/**
 * Where a SKU's stock lives in the catalog table (docs/data-model.md, "Stock shards"): shard 0 is the SKU item
 * (`SKU#<sku>` / `SKU`, as for every unsharded SKU), shard n > 0 the item `STOCK#<sku>#<n>` / `STOCK`, each its own
 * partition key. The SKU item's `stockShards` says how many there are (absent: 1).
 */
export const skuKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'SKU' });
export const shardKey = (sku: string, shard: number) => (shard === 0 ? skuKey(sku) : { pk: `STOCK#${sku}#${shard}`, sk: 'STOCK' });

/** A new shard item (n > 0) with `onHand` units and nothing reserved. */
export function shardItem(sku: string, shard: number, onHand: number): Record<string, unknown> {
  return { ...shardKey(sku, shard), entity: 'stock-shard', sku, shard, onHand, reserved: 0, available: onHand, version: 0 };
}

/** The counters of a stock item (a SKU item or a shard item). */
export const shardStockOf = (item: Record<string, unknown> | undefined): ShardStock => ({
  onHand: Number(item?.onHand ?? 0),
  reserved: Number(item?.reserved ?? 0),
});

/**
 * Every shard's counters of each sharded SKU among `skuItems` (SKU items as read, with `stockShards` and their own
 * counters, shard 0), read strongly consistently in one BatchGetItem; SKUs with one shard need no read.
 */
export async function readShards(
  client: DynamoDBClient,
  tableName: string,
  skuItems: ReadonlyArray<Record<string, unknown>>,
): Promise<Map<string, ShardStock[]>> {
  const sharded = skuItems.filter((i) => shardCount(i.stockShards) > 1);
  const keys = sharded.flatMap((i) => Array.from({ length: shardCount(i.stockShards) - 1 }, (_, n) => shardKey(String(i.sku), n + 1)));
  const found = new Map((keys.length ? await batchGetItems(client, tableName, keys) : []).map((i) => [String(i.pk), i]));
  return new Map(
    skuItems.map((i) => {
      const sku = String(i.sku);
      const rest = Array.from({ length: shardCount(i.stockShards) - 1 }, (_, n) => shardStockOf(found.get(shardKey(sku, n + 1).pk)));
      return [sku, [shardStockOf(i), ...rest]];
    }),
  );
}

/**
 * A shard's onHand set absolutely (a provider's report or a vendor's level, spread by spreadOnHand) with
 * `available = onHand - reserved`, on the conditions given (over `reserved`, `onHand`, and `:o` for the new onHand).
 */
export function setShardOnHand(
  tableName: string,
  sku: string,
  shard: number,
  onHand: number,
  condition: string,
  values: Record<string, unknown>,
): TransactWriteItem {
  return {
    Update: {
      TableName: tableName,
      Key: marshall(shardKey(sku, shard)),
      UpdateExpression: 'SET onHand = :o, available = :o - reserved, version = version + :one',
      ConditionExpression: `attribute_exists(pk) AND ${condition}`,
      ExpressionAttributeValues: marshall({ ':o': onHand, ':one': 1, ...values }),
    },
  };
}
