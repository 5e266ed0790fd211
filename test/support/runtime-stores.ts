import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Endpoints } from '../../local/runtime/local-runtime';
import { DynamoDbCatalogRepository } from '../../shared/adapters/dynamodb-catalog-repository';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { dynamoDbClient, tableNamed } from './endpoints';
import { STAGE_DEFAULTS } from '../../lib/config/stages';

/** The byStatus index's shard count of the stage the runtime plays (dev), which its functions are given. */
export const ORDER_STATUS_SHARDS = STAGE_DEFAULTS.dev.orders.statusShards;

/** A SKU's counters as the catalog table holds them. */
export interface SkuStock {
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
}

/** The runtime's tables through the same adapters the functions use, for tests that set up or inspect state. */
export interface RuntimeStores {
  readonly dynamodb: DynamoDBClient;
  /** The physical name of the runtime's table whose logical id starts with `prefix` (e.g. 'OrdersTable'). */
  tableName(prefix: string): string;
  readonly orders: DynamoDbOrderRepository;
  readonly catalog: DynamoDbCatalogRepository;
  readonly ledger: DynamoDbStockLedger;
  /** The SKU's counters, read consistently. */
  stock(sku: string): Promise<SkuStock>;
}

export function runtimeStores(endpoints: Endpoints, options: { maxAttempts?: number } = {}): RuntimeStores {
  const dynamodb = dynamoDbClient(endpoints, options);
  const tableName = (prefix: string) => tableNamed(endpoints, prefix);
  return {
    dynamodb,
    tableName,
    orders: new DynamoDbOrderRepository(dynamodb, tableName('OrdersTable'), ORDER_STATUS_SHARDS),
    catalog: new DynamoDbCatalogRepository(dynamodb, tableName('CatalogTable')),
    ledger: new DynamoDbStockLedger(dynamodb, tableName('CatalogTable'), tableName('OrdersTable'), ORDER_STATUS_SHARDS),
    async stock(sku) {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: tableName('CatalogTable'), Key: { pk: { S: `SKU#${sku}` }, sk: { S: 'SKU' } }, ConsistentRead: true }),
      );
      const item = unmarshall(Item ?? {});
      return { onHand: Number(item.onHand), reserved: Number(item.reserved), available: Number(item.available) };
    },
  };
}
